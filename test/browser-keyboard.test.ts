import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { GOOD_PASSWORD, newEmail, signUpAndActivate, SIRET } from './helpers/accounts.ts';
import { assertEveryPageChecked, checkPage, watchAccessibility } from './helpers/accessibility.ts';
import { launchBrowser } from './helpers/browser.ts';
import { startTestPlatform, type TestPlatform } from './helpers/platform.ts';
import { completeApiEntrepriseForm } from './helpers/requests.ts';

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

/** What has the focus: its tag, id, type, text, and whether the focus is drawn (an outline a sighted user sees). */
interface Focused {
  tag: string;
  id: string;
  type: string;
  text: string;
  outlined: boolean;
  insideErrorSummary: boolean;
}

const focused = (page: Page): Promise<Focused> =>
  page.evaluate(() => {
    // Runs in the page: its globals typed by hand, the project's TypeScript has no DOM library.
    const { document, getComputedStyle } = globalThis as unknown as {
      document: { activeElement: any }; // eslint-disable-line @typescript-eslint/no-explicit-any
      getComputedStyle: (element: unknown) => { outlineStyle: string; outlineWidth: string };
    };
    const element = document.activeElement;
    const style = getComputedStyle(element);
    return {
      tag: element.tagName.toLowerCase(),
      id: element.id ?? '',
      type: element.getAttribute('type') ?? '',
      text: (element.textContent ?? '').replace(/\s+/g, ' ').trim(),
      outlined: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
      insideErrorSummary: Boolean(element.closest('[data-error-summary]')),
    };
  });

/**
 * Presses Tab (or Shift+Tab) until the focus is on what `wanted` accepts, as a keyboard user moves through a page;
 * fails after `limit` presses. The focus must be drawn on the element reached.
 */
async function tabTo(
  page: Page,
  wanted: (f: Focused) => boolean,
  what: string,
  options = { back: false, limit: 120 },
) {
  for (let presses = 0; presses < options.limit; presses += 1) {
    await page.keyboard.press(options.back ? 'Shift+Tab' : 'Tab');
    const now = await focused(page);
    if (wanted(now)) {
      assert.ok(now.outlined, `the focus is visible on ${what}`);
      return now;
    }
  }
  assert.fail(`${what} not reached with the keyboard`);
}

const byId = (id: string) => (f: Focused) => f.id === id;
const byText = (tag: string, text: string) => (f: Focused) => f.tag === tag && f.text === text;

/** Types into the field that has the focus, then moves on with Tab. */
async function typeAndTab(page: Page, value: string) {
  await page.keyboard.type(value);
  await page.keyboard.press('Tab');
}

async function pressAndLoad(page: Page, key: 'Enter' | 'Space', url: string | RegExp) {
  // A navigation, even to the same address (a step refused goes back to itself).
  await Promise.all([page.waitForNavigation({ url }), page.keyboard.press(key)]);
  await checkPage(page);
}

describe('with the keyboard only', () => {
  it('an applicant goes from the dashboard to a submitted request, the focus always visible and sent to the errors', async () => {
    const email = newEmail('saint-exemple.fr', 'nina.petit');
    await signUpAndActivate(platform, {
      siret: SIRET.commune,
      email,
      givenName: 'Nina',
      familyName: 'Petit',
    });
    const form = completeApiEntrepriseForm();
    const context = await browser.newContext({ locale: 'fr-FR' });
    const page = watchAccessibility(await context.newPage());
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));

    await page.goto(`${platform.url}/connexion`);
    await checkPage(page);
    await tabTo(page, (f) => f.tag === 'input' && f.type === 'email', 'the email field');
    await page.keyboard.type(email);
    await tabTo(page, (f) => f.tag === 'input' && f.type === 'password', 'the password field');
    await page.keyboard.type(GOOD_PASSWORD);
    await pressAndLoad(page, 'Enter', '**/tableau-de-bord');

    // From the dashboard, through the header's navigation.
    await tabTo(page, byText('a', 'Mes demandes'), 'the « Mes demandes » link');
    await pressAndLoad(page, 'Enter', '**/demandes');
    await tabTo(page, byText('a', 'Nouvelle demande'), 'the « Nouvelle demande » button');
    await pressAndLoad(page, 'Enter', '**/demandes/nouvelle');

    // A radio group is one stop for Tab: the first choice, then the arrows move the choice.
    await tabTo(page, (f) => f.tag === 'input' && f.type === 'radio', 'the choice of API');
    for (let i = 0; i < 5 && (await focused(page)).id !== 'api-api-entreprise'; i += 1)
      await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Space');
    assert.ok(await page.locator('#api-api-entreprise').isChecked());
    await tabTo(page, byText('button', 'Commencer la demande'), 'the start button');
    await pressAndLoad(page, 'Enter', '**/formulaire/projet');

    // The project, without its use case: the step refuses and the focus lands on the list of errors.
    await tabTo(page, byId('project.title'), 'the title');
    await typeAndTab(page, form.project.title);
    assert.equal((await focused(page)).id, 'project.description');
    await typeAndTab(page, form.project.description);
    await tabTo(page, byText('button', 'Enregistrer et continuer'), 'the continue button');
    await pressAndLoad(page, 'Enter', '**/formulaire/projet');
    const onErrors = await focused(page);
    assert.ok(onErrors.insideErrorSummary, 'after a refused step, the focus is on the list of errors');
    await tabTo(page, (f) => f.insideErrorSummary && f.tag === 'a', 'the link to the missing field');
    await page.keyboard.press('Enter');
    const choice = await focused(page);
    assert.equal(choice.type, 'radio', 'the link took the focus to the use cases');
    await page.keyboard.press('Space');
    assert.ok(await page.locator('#cas-aide-usager').isChecked());
    await tabTo(page, byText('button', 'Enregistrer et continuer'), 'the continue button');
    await pressAndLoad(page, 'Enter', '**/formulaire/donnees');

    // The use case ticked its data; on to the legal basis.
    await tabTo(page, byText('button', 'Enregistrer et continuer'), 'the continue button');
    await pressAndLoad(page, 'Enter', '**/formulaire/cadre-juridique');
    await tabTo(page, byId('legalBasis.nature'), 'the legal basis');
    await typeAndTab(page, form.legalBasis.nature);
    await page.keyboard.type(form.legalBasis.url);
    await tabTo(page, byText('button', 'Enregistrer et continuer'), 'the continue button');
    await pressAndLoad(page, 'Enter', '**/formulaire/donnees-personnelles');

    await tabTo(page, byId('personalData.recipients'), 'the recipients');
    await typeAndTab(page, form.personalData.recipients);
    await page.keyboard.type('24');
    await tabTo(page, byText('button', 'Enregistrer et continuer'), 'the continue button');
    await pressAndLoad(page, 'Enter', '**/formulaire/contacts');

    // Four contacts, five fields each, one after the other; Shift+Tab goes back to mend one.
    await tabTo(page, byId('contacts.dataController.givenName'), 'the first contact field');
    for (const contact of Object.values(form.contacts))
      for (const value of Object.values(contact)) await typeAndTab(page, value);
    await tabTo(page, byId('contacts.technical.jobTitle'), 'the last contact field', {
      back: true,
      limit: 10,
    });
    await page.keyboard.press('End');
    await page.keyboard.type(' adjoint');
    await tabTo(page, byText('button', 'Enregistrer et continuer'), 'the continue button');
    await pressAndLoad(page, 'Enter', '**/formulaire/conditions');

    await tabTo(page, byId('terms.cguAccepted'), 'the terms');
    await page.keyboard.press('Space');
    await tabTo(page, byId('terms.dpoInformed'), 'the DPO commitment');
    await page.keyboard.press('Space');
    await tabTo(page, byText('button', 'Enregistrer et continuer'), 'the continue button');
    await pressAndLoad(page, 'Enter', '**/formulaire/recapitulatif');
    assert.match(
      await page.getByRole('navigation', { name: 'Étapes du formulaire' }).innerText(),
      /6 étapes complètes sur 6/,
    );

    await tabTo(page, byText('button', 'Soumettre la demande'), 'the submit button');
    await pressAndLoad(page, 'Enter', /\/demandes\/[0-9a-f-]{36}$/);
    assert.ok(await page.getByText(/Votre demande a été soumise/).isVisible());
    const { rows } = await platform.services.db.query<{ state: string; job: string }>(
      `SELECT state, data #>> '{contacts,technical,jobTitle}' AS job FROM access_requests r
        JOIN users u ON u.id = r.author_id WHERE u.email = $1`,
      [email],
    );
    assert.deepEqual(rows, [{ state: 'submitted', job: `${form.contacts.technical.jobTitle} adjoint` }]);
    assert.deepEqual(problems, []);
    assertEveryPageChecked(page);
    await context.close();
  });
});
