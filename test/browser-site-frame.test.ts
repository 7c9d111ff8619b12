import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { GOOD_PASSWORD, signUpAndActivate } from './helpers/accounts.ts';
import { assertEveryPageChecked, checkPage, watchAccessibility } from './helpers/accessibility.ts';
import { launchBrowser, signInThroughBrowser } from './helpers/browser.ts';
import { DEMO_PASSWORD, startTestPlatform, type TestPlatform } from './helpers/platform.ts';
import { signInStaff } from './helpers/requests.ts';

let platform: TestPlatform;
let browser: Browser;

before(async () => {
  platform = await startTestPlatform();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await platform?.stop();
});

async function newPage(width: number): Promise<Page> {
  const context = await browser.newContext({ locale: 'fr-FR', viewport: { width, height: 900 } });
  return watchAccessibility(await context.newPage());
}

async function signIn(page: Page, email: string, password: string): Promise<void> {
  await signInThroughBrowser(page, platform.url, email, password);
}

/** The main navigation's entries, with the top of each as drawn: one line when they all share it. */
async function navigationEntries(page: Page): Promise<{ label: string; top: number }[]> {
  const items = page.locator('#navigation > .fr-nav__list > .fr-nav__item');
  const entries: { label: string; top: number }[] = [];
  for (const item of await items.all()) {
    const box = await item.boundingBox();
    assert.ok(box, 'each navigation entry is drawn');
    entries.push({ label: ((await item.locator('> a, > button').textContent()) ?? '').trim(), top: box.y });
  }
  return entries;
}

async function assertNavigationOnOneLine(page: Page): Promise<string[]> {
  const entries = await navigationEntries(page);
  assert.ok(entries.length > 0);
  const tops = new Set(entries.map((entry) => Math.round(entry.top)));
  assert.equal(tops.size, 1, `the navigation wraps: ${JSON.stringify(entries)}`);
  return entries.map((entry) => entry.label);
}

describe('the site frame', () => {
  it('the footer’s mandatory links lead to their pages, which pass axe; the State’s sites open in a new window', async () => {
    const page = await newPage(1280);
    await page.goto(`${platform.url}/`);
    await checkPage(page);
    // A visitor's navigation: the catalogue, before any account.
    assert.deepEqual(await assertNavigationOnOneLine(page), ['Catalogue des API']);
    const footer = page.locator('footer');
    for (const [link, heading] of [
      ['Accessibilité : non conforme', 'Déclaration d’accessibilité'],
      ['Mentions légales', 'Mentions légales'],
      ['Données personnelles', 'Données personnelles'],
      ['Gestion des cookies', 'Gestion des cookies'],
    ] as const) {
      await footer.getByRole('link', { name: link, exact: true }).click();
      await page.waitForLoadState('load');
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), heading);
      await checkPage(page);
    }
    // The declaration says its status and that no audit was made; the cookie page names the session cookie.
    await page.goto(`${platform.url}/accessibilite`);
    assert.match(
      (await page.locator('main').textContent()) ?? '',
      /aucun audit de conformité n’a été réalisé/,
    );
    assert.match((await page.locator('main').textContent()) ?? '', /Défenseur des droits/);
    await page.goto(`${platform.url}/gestion-des-cookies`);
    assert.ok(await page.locator('main code', { hasText: 'sesame_session' }).first().isVisible());

    for (const site of ['legifrance.gouv.fr', 'info.gouv.fr', 'service-public.fr', 'data.gouv.fr']) {
      const link = footer.getByRole('link', { name: site, exact: true });
      assert.equal(await link.getAttribute('target'), '_blank');
      assert.equal(await link.getAttribute('rel'), 'noopener');
      assert.equal(await link.getAttribute('title'), `${site} - nouvelle fenêtre`);
      assert.equal(await link.getAttribute('href'), `https://www.${site}`);
    }
    assertEveryPageChecked(page);
    await page.context().close();
  });

  it('an applicant’s navigation fits one line at 1280 px; the development mailbox is in the header tools, not in it', async () => {
    const { email } = await signUpAndActivate(platform);
    const page = await newPage(1280);
    await signIn(page, email, GOOD_PASSWORD);
    const labels = await assertNavigationOnOneLine(page);
    assert.deepEqual(labels, [
      'Tableau de bord',
      'Catalogue des API',
      'Mes demandes',
      'Jetons',
      'Code d’invitation',
    ]);
    assert.equal(await page.locator('#navigation a[href^="/dev/mails"]').count(), 0);
    const tools = page.locator('.fr-header__tools-links');
    assert.ok(await tools.getByRole('link', { name: 'Courriels de développement' }).isVisible());
    assert.ok(await tools.getByRole('button', { name: 'Se déconnecter' }).isVisible());
    // The current page is marked in the navigation.
    assert.equal(
      await page
        .locator('#navigation')
        .getByRole('link', { name: 'Tableau de bord' })
        .getAttribute('aria-current'),
      'page',
    );
    assertEveryPageChecked(page);
    await page.context().close();
  });

  it('an admin who also instructs sees Instruction and the administration menu on one line; an admin alone has no Instruction', async () => {
    const { email } = await signInStaff(
      platform,
      [
        { role: 'admin', definition: null },
        { role: 'instructeur', definition: null },
      ],
      'admin-instructeur',
    );
    const page = await newPage(1280);
    await signIn(page, email, DEMO_PASSWORD);
    const labels = await assertNavigationOnOneLine(page);
    assert.ok(labels.includes('Instruction'), labels.join(', '));
    assert.ok(labels.includes('Administration'), labels.join(', '));

    const menu = page.locator('#navigation').getByRole('button', { name: 'Administration' });
    // DSFR's script opens the menu: a click before it has taken the button (it marks it) would do nothing.
    await page
      .locator('#navigation [aria-controls="menu-administration"][data-fr-js-collapse-button]')
      .waitFor();
    await menu.click();
    // DSFR draws the state it was given on its next frame: wait for it rather than read it at once.
    await page.locator('#navigation [aria-controls="menu-administration"][aria-expanded="true"]').waitFor();
    const emails = page.locator('#menu-administration').getByRole('link', { name: 'Courriels envoyés' });
    await emails.waitFor({ state: 'visible' });
    await emails.click();
    await page.waitForURL('**/admin');
    await checkPage(page);
    assert.equal(
      await page
        .locator('#navigation')
        .getByRole('button', { name: 'Administration' })
        .getAttribute('aria-current'),
      'true',
    );
    assertEveryPageChecked(page);
    await page.context().close();

    const adminOnly = await newPage(1280);
    await signIn(adminOnly, 'admin@sesame.test', DEMO_PASSWORD);
    const adminLabels = await assertNavigationOnOneLine(adminOnly);
    assert.ok(!adminLabels.includes('Instruction'), adminLabels.join(', '));
    assertEveryPageChecked(adminOnly);
    await adminOnly.context().close();
  });

  it('on a 375 px phone, the menu button opens the navigation and the header tools', async () => {
    const page = await newPage(375);
    await signIn(page, 'instructeur@sesame.test', DEMO_PASSWORD);
    const navigation = page.locator('#navigation');
    assert.equal(await navigation.isVisible(), false, 'the navigation is folded behind the menu button');
    await page.getByRole('button', { name: 'Menu' }).click();
    await navigation.getByRole('link', { name: 'Instruction' }).waitFor({ state: 'visible' });
    assert.ok(await navigation.getByRole('link', { name: 'Mes demandes' }).isVisible());
    // DSFR copies the header tools into the menu: signing out is reachable on a phone.
    const menu = page.locator('#menu-principal');
    assert.ok(await menu.getByRole('button', { name: 'Se déconnecter' }).isVisible());
    await checkPage(page);
    await menu.getByRole('button', { name: 'Fermer' }).click();
    await navigation.waitFor({ state: 'hidden' });
    assertEveryPageChecked(page);
    await page.context().close();
  });
});
