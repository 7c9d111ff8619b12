import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { GOOD_PASSWORD, newEmail } from './helpers/accounts.ts';
import { assertEveryPageChecked, checkPage, watchAccessibility } from './helpers/accessibility.ts';
import { launchBrowser, screenshotIfAsked } from './helpers/browser.ts';
import { eventually, startTestPlatform, type TestPlatform } from './helpers/platform.ts';

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

const shot = screenshotIfAsked;

describe('in a real browser, a new user', () => {
  it('signs up, opens the activation email in the development mailbox, and lands signed in on the dashboard', async () => {
    const context = await browser.newContext({ locale: 'fr-FR' });
    const page = watchAccessibility(await context.newPage());
    const problems: string[] = [];
    page.on('console', (message) => {
      // The form answered with 422 on purpose (first try); anything else is a problem.
      if (message.type() === 'error' && !/status of 422/.test(message.text())) problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    const email = newEmail('departement-loire-exemplaire.fr', 'alex.morel');

    await page.goto(`${platform.url}/`);
    await checkPage(page);
    await page.getByRole('link', { name: 'Créer un compte' }).first().click();
    await page.waitForURL('**/inscription');
    await checkPage(page);

    // A first try with a mistyped SIRET: the form says so, and keeps what was typed.
    await page.getByLabel('Prénom').fill('Alex');
    await page.getByLabel('Nom', { exact: true }).fill('Morel');
    await page.getByLabel('Adresse électronique professionnelle').fill(email);
    await page.getByLabel('Mot de passe').fill(GOOD_PASSWORD);
    await page.getByLabel('Numéro SIRET de votre établissement').fill('224 506 055 00018');
    await page.getByRole('button', { name: 'Créer mon compte' }).click();
    await page.waitForLoadState();
    assert.match((await page.getByRole('alert').textContent()) ?? '', /une erreur/);
    assert.ok(await page.getByText('Ce numéro SIRET n’est pas valide').isVisible());
    assert.equal(await page.getByLabel('Prénom').inputValue(), 'Alex');
    await checkPage(page);
    await shot(page, 'inscription-erreur');

    await page.getByLabel('Mot de passe').fill(GOOD_PASSWORD);
    await page.getByLabel('Numéro SIRET de votre établissement').fill('224 506 055 00017');
    await page.getByRole('button', { name: 'Créer mon compte' }).click();
    await page.waitForURL('**/inscription/verifiez-votre-messagerie');
    assert.ok(await page.getByRole('heading', { name: 'Vérifiez votre messagerie' }).isVisible());
    await checkPage(page);

    // The email is queued by the sign-up's workflow, a moment after the page answered: look until it is there.
    const row = page.getByRole('row').filter({ hasText: email });
    await eventually(async () => {
      await page.goto(`${platform.url}/dev/mails`);
      return (await row.count()) > 0 ? true : undefined;
    });
    await checkPage(page);
    await row.getByRole('link', { name: 'Activez votre compte Sésame' }).first().click();
    await page.waitForURL('**/dev/mails/**');
    await checkPage(page);
    await shot(page, 'courriel-activation');
    await page.getByRole('link', { name: /\/activation\// }).click();
    await page.waitForURL('**/activation/**');
    await checkPage(page);
    await page.getByRole('button', { name: 'Activer mon compte' }).click();

    await page.waitForURL('**/tableau-de-bord');
    await checkPage(page);
    assert.ok(await page.getByText('Bonjour Alex Morel.').isVisible());
    assert.ok(
      await page
        .getByText(/Vous êtes gestionnaire principal de DEPARTEMENT DE LA LOIRE-EXEMPLAIRE/)
        .isVisible(),
    );
    assert.ok(await page.getByRole('link', { name: 'DEPARTEMENT DE LA LOIRE-EXEMPLAIRE' }).isVisible());
    assert.ok(await page.getByText('Organisation éligible').isVisible());
    await shot(page, 'tableau-de-bord-organisation');
    assert.deepEqual(problems, []);
    assertEveryPageChecked(page);
    await context.close();
  });

  it('cannot reuse the activation link afterwards', async () => {
    const page = watchAccessibility(await browser.newPage());
    await page.goto(`${platform.url}/dev/mails`);
    await checkPage(page);
    await page.getByRole('link', { name: 'Activez votre compte Sésame' }).first().click();
    await page.waitForURL('**/dev/mails/**');
    await checkPage(page);
    await page.getByRole('link', { name: /\/activation\// }).click();
    await page.waitForURL('**/activation/**');
    await checkPage(page);
    assert.match(
      (await page.getByRole('heading', { level: 1 }).textContent()) ?? '',
      /Activation impossible/,
    );
    assert.ok(await page.getByText(/déjà servi/).isVisible());
    assertEveryPageChecked(page);
    await page.close();
  });
});
