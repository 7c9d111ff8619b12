import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { GOOD_PASSWORD, SIRET } from './helpers/accounts.ts';
import { assertEveryPageChecked, checkPage, watchAccessibility } from './helpers/accessibility.ts';
import { launchBrowser, screenshotIfAsked } from './helpers/browser.ts';
import { createPerson } from './helpers/people.ts';
import type { TestPlatform } from './helpers/platform.ts';
import { newAgent, startPlatformWithProConnect } from './helpers/proconnect.ts';
import type { LocalIdentityProvider } from '../runtime/local-identity-provider.ts';

let platform: TestPlatform;
let idp: LocalIdentityProvider;
let browser: Browser;

before(async () => {
  ({ platform, idp } = await startPlatformWithProConnect());
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await platform?.stop();
  await idp?.stop();
});

const shot = screenshotIfAsked;

/** A browser of its own, failing the test on any script error or console error. */
async function newBrowsing(): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ locale: 'fr-FR' });
  const page = watchAccessibility(await context.newPage());
  const problems: string[] = [];
  page.on('console', (message) => {
    // Refusals and the wrong password answer 4xx on purpose; anything else is a problem.
    if (message.type() === 'error' && !/status of 40[13]/.test(message.text())) problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  return { context, page, problems };
}

/** From the sign-in page, through the button and the provider's page, as the agent `name`. */
async function signInAs(page: Page, name: string) {
  await page.goto(`${platform.url}/connexion`);
  await checkPage(page);
  await page.getByRole('link', { name: 'S’identifier avec ProConnect' }).click();
  await page.waitForURL(`${idp.url}/interaction/**`);
  await checkPage(page);
  await page.getByRole('button', { name }).click();
}

// An organisation no other test file signs in to, so that the first agent finds it empty.
const ORGANISATION = { siret: SIRET.portExemple, name: 'COMMUNE DE PORT-EXEMPLE' };

describe('in a real browser, through the local identity provider', () => {
  it('a new agent signs in with ProConnect and lands on the dashboard as main manager of their organisation', async () => {
    newAgent(idp, {
      givenName: 'Inès',
      usualName: 'Fontaine',
      domain: 'port-exemple.fr',
      siret: ORGANISATION.siret,
    });
    const { context, page, problems } = await newBrowsing();
    await page.goto(`${platform.url}/`);
    await checkPage(page);
    await page.getByRole('link', { name: 'Se connecter' }).first().click();
    await page.waitForURL('**/connexion');
    await checkPage(page);
    await shot(page, 'connexion-proconnect');
    await page.getByRole('link', { name: 'S’identifier avec ProConnect' }).click();
    await page.waitForURL(`${idp.url}/interaction/**`);
    await checkPage(page);
    await page.getByRole('button', { name: 'Inès Fontaine' }).click();

    await page.waitForURL('**/tableau-de-bord');
    assert.ok(await page.getByText('Bonjour Inès Fontaine.').isVisible());
    assert.ok(
      await page
        .getByText(
          `Votre compte Sésame est créé à partir de votre identité ProConnect. Vous êtes gestionnaire principal de ${ORGANISATION.name}`,
        )
        .isVisible(),
    );
    assert.ok(await page.getByRole('link', { name: ORGANISATION.name }).isVisible());
    assert.match((await page.locator('.fr-card__desc').textContent()) ?? '', /gestionnaire principal/i);
    await checkPage(page);
    await shot(page, 'tableau-de-bord-proconnect');
    await page.goto(`${platform.url}/compte`);
    assert.ok(await page.getByText('Vous vous connectez avec ProConnect').isVisible());
    await checkPage(page);
    assert.deepEqual(problems, []);
    assertEveryPageChecked(page);
    await context.close();
  });

  it('a second agent of the same domain joins that organisation as applicant', async () => {
    newAgent(idp, {
      givenName: 'Yanis',
      usualName: 'Moreau',
      domain: 'port-exemple.fr',
      siret: ORGANISATION.siret,
    });
    const { context, page, problems } = await newBrowsing();
    await signInAs(page, 'Yanis Moreau');
    await page.waitForURL('**/tableau-de-bord');
    await checkPage(page);
    assert.ok(
      await page
        .getByText(
          `Vous avez rejoint ${ORGANISATION.name} (SIRET ${ORGANISATION.siret}) en tant que demandeur`,
        )
        .isVisible(),
    );
    assert.match((await page.locator('.fr-card__desc').textContent()) ?? '', /demandeur/i);
    assert.deepEqual(problems, []);
    assertEveryPageChecked(page);
    await context.close();
  });

  it('an agent whose address has an email account links it after giving its password', async () => {
    const person = await createPerson(platform, {
      givenName: 'Léna',
      familyName: 'Garnier',
      domain: 'loire-exemplaire.fr',
    });
    newAgent(idp, {
      givenName: 'Léna',
      usualName: 'Garnier',
      email: person.email,
      siret: SIRET.department,
    });
    const { context, page, problems } = await newBrowsing();
    await signInAs(page, 'Léna Garnier');
    await page.waitForURL('**/connexion/proconnect/lier');
    await checkPage(page);
    assert.ok(await page.getByText(person.email).isVisible());
    await shot(page, 'proconnect-lier');

    await page.getByLabel('Mot de passe de votre compte Sésame').fill('ce n’est pas le mot de passe');
    await page.getByRole('button', { name: 'Lier mon compte et me connecter' }).click();
    assert.ok(await page.getByText('Ce mot de passe n’est pas celui de votre compte Sésame.').isVisible());
    await checkPage(page);

    await page.getByLabel('Mot de passe de votre compte Sésame').fill(GOOD_PASSWORD);
    await page.getByRole('button', { name: 'Lier mon compte et me connecter' }).click();
    await page.waitForURL('**/tableau-de-bord');
    await checkPage(page);
    assert.ok(await page.getByText('Bonjour Léna Garnier.').isVisible());
    assert.ok(await page.getByText(/Votre compte est désormais lié à ProConnect/).isVisible());
    assert.deepEqual(problems, []);
    assertEveryPageChecked(page);
    await context.close();
  });

  it('logging out ends the Sésame session and the ProConnect session', async () => {
    newAgent(idp, {
      givenName: 'Rose',
      usualName: 'Lambert',
      domain: 'port-exemple.fr',
      siret: ORGANISATION.siret,
    });
    const { context, page, problems } = await newBrowsing();
    await signInAs(page, 'Rose Lambert');
    await page.waitForURL('**/tableau-de-bord');
    await checkPage(page);

    // Control: forgetting only Sésame's session, the button signs in again without the provider's page, since
    // the provider's session lasts.
    await context.clearCookies({ name: 'sesame_session' });
    await page.goto(`${platform.url}/connexion`);
    await page.getByRole('link', { name: 'S’identifier avec ProConnect' }).click();
    await page.waitForURL('**/tableau-de-bord');
    assert.ok(await page.getByText('Vous êtes connecté·e avec ProConnect.').isVisible());

    // Sésame's page that sends the browser on to the provider's logout, held still (its script emptied) to be
    // checked: without JavaScript, the person follows its link.
    await page.route('**/static/proconnect-logout.js', (route) =>
      route.fulfill({ contentType: 'text/javascript', body: '' }),
    );
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.waitForURL('**/deconnexion');
    await checkPage(page);
    const providerLogout = await page
      .getByRole('link', { name: 'Terminer la déconnexion de ProConnect' })
      .getAttribute('href');
    assert.ok(providerLogout);
    // The provider's own logout page sends itself on by script: not a page of Sésame's, followed in another tab
    // of the same browser, which comes back to Sésame's sign-in page.
    const tab = await context.newPage();
    await tab.goto(providerLogout);
    await tab.waitForURL('**/connexion');
    await checkPage(tab);
    assert.ok(await tab.getByText('Vous êtes déconnecté·e de Sésame et de ProConnect.').isVisible());
    await tab.close();
    await page.goto(`${platform.url}/tableau-de-bord`);
    await page.waitForURL('**/connexion?retour=**');

    // The provider asks who signs in again: its session ended too.
    await page.getByRole('link', { name: 'S’identifier avec ProConnect' }).click();
    await page.waitForURL(`${idp.url}/interaction/**`);
    await checkPage(page);
    assert.ok(await page.getByRole('button', { name: 'Rose Lambert' }).isVisible());

    // Cancelling there ends on Sésame's page that says so, signed out.
    await page.getByRole('button', { name: 'Annuler et revenir au service' }).click();
    await page.waitForURL('**/connexion/proconnect/retour?**');
    assert.ok(await page.getByRole('heading', { name: 'Connexion annulée' }).isVisible());
    await checkPage(page);
    await page.getByRole('link', { name: 'Revenir à la page de connexion' }).click();
    await page.waitForURL('**/connexion');
    await page.goto(`${platform.url}/inscription`);
    assert.ok(await page.getByRole('link', { name: 'S’identifier avec ProConnect' }).isVisible());
    await checkPage(page);
    assert.deepEqual(problems, []);
    assertEveryPageChecked(page);
    await context.close();
  });
});
