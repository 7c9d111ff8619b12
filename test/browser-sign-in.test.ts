import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { assertEveryPageChecked, checkPage, watchAccessibility } from './helpers/accessibility.ts';
import { launchBrowser } from './helpers/browser.ts';
import { DEMO_PASSWORD, startTestPlatform, type TestPlatform } from './helpers/platform.ts';

let platform: TestPlatform;
let browser: Browser;

before(async () => {
  platform = await startTestPlatform({ worker: false });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await platform?.stop();
});

describe('in a real browser', () => {
  it('the demo instructor signs in and sees the dashboard, with no console or CSP error', async () => {
    const context = await browser.newContext({ locale: 'fr-FR' });
    const page = watchAccessibility(await context.newPage());
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('requestfailed', (request) => problems.push(`${request.url()} ${request.failure()?.errorText}`));

    await page.goto(`${platform.url}/`);
    await checkPage(page);
    await page.getByRole('link', { name: 'Se connecter' }).first().click();
    await page.waitForURL('**/connexion');
    await checkPage(page);
    assert.equal(await page.title(), 'Se connecter — Sésame');

    // The design system is really applied: its blue on the main button, its Marianne font on the text.
    const submit = page.getByRole('button', { name: 'Se connecter' });
    assert.equal(
      await page.evaluate<string>(
        "getComputedStyle(document.querySelector('main button[type=submit]')).backgroundColor",
      ),
      'rgb(0, 0, 145)',
    );
    assert.match(await page.evaluate<string>('getComputedStyle(document.body).fontFamily'), /Marianne/);
    if (process.env.SCREENSHOTS_DIR)
      await page.screenshot({ path: `${process.env.SCREENSHOTS_DIR}/connexion.png`, fullPage: true });

    await page.getByLabel('Adresse électronique').fill('instructeur@sesame.test');
    await page.getByLabel('Mot de passe', { exact: true }).fill(DEMO_PASSWORD);
    await submit.click();

    await page.waitForURL('**/tableau-de-bord');
    await checkPage(page);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Tableau de bord');
    assert.ok(await page.getByText('Bonjour Dominique Bernard.').isVisible());
    assert.ok(await page.getByText('Vous êtes connecté·e.').isVisible());
    assert.ok(await page.getByText('Instructeur', { exact: true }).isVisible());

    if (process.env.SCREENSHOTS_DIR)
      await page.screenshot({ path: `${process.env.SCREENSHOTS_DIR}/tableau-de-bord.png`, fullPage: true });

    assert.deepEqual(problems, []);
    assertEveryPageChecked(page);
    await context.close();
  });

  it('empty fields are asked for; a wrong password keeps the person on the sign-in page with an accessible alert', async () => {
    const page = watchAccessibility(await browser.newPage());
    await page.goto(`${platform.url}/connexion`);
    await checkPage(page);
    // An empty field is asked for, not called invalid.
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.getByText('Saisissez votre adresse électronique.').waitFor();
    assert.ok(await page.getByText('Saisissez votre mot de passe.').isVisible());
    assert.equal(await page.locator('body').getByText('n’est pas valide').count(), 0);
    await checkPage(page);

    await page.getByLabel('Adresse électronique').fill('instructeur@sesame.test');
    await page.getByLabel('Mot de passe', { exact: true }).fill('ce-nest-pas-le-bon');
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForLoadState();
    const alert = page.getByRole('alert');
    assert.match((await alert.textContent()) ?? '', /Adresse électronique ou mot de passe incorrect/);
    assert.match(page.url(), /\/connexion$/);
    await checkPage(page);
    assertEveryPageChecked(page);
    await page.close();
  });
});
