import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { GOOD_PASSWORD, newEmail, signUpAndActivate, SIRET } from './helpers/accounts.ts';
import { assertEveryPageChecked, checkPage, watchAccessibility } from './helpers/accessibility.ts';
import { launchBrowser, recordProblems, screenshotIfAsked, signInThroughBrowser } from './helpers/browser.ts';
import { DEMO_PASSWORD, eventually, startTestPlatform, type TestPlatform } from './helpers/platform.ts';
import { completeApiEntrepriseForm, samplePdf } from './helpers/requests.ts';

let platform: TestPlatform;
let browser: Browser;
let files: string;

before(async () => {
  platform = await startTestPlatform();
  browser = await launchBrowser();
  files = mkdtempSync(path.join(os.tmpdir(), 'sesame-browser-'));
});
after(async () => {
  await browser?.close();
  await platform?.stop();
  rmSync(files, { recursive: true, force: true });
});

const shot = screenshotIfAsked;

/** A new browser session signed in through the sign-in page; any script error fails the test. */
async function signedIn(
  email: string,
  password: string,
): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ locale: 'fr-FR' });
  const page = watchAccessibility(await context.newPage());
  const problems = recordProblems(page);
  await signInThroughBrowser(page, platform.url, email, password);
  return { context, page, problems };
}

const continueTo = async (page: Page, step: string) => {
  await page.getByRole('button', { name: 'Enregistrer et continuer' }).click();
  await page.waitForURL(`**/formulaire/${step}`);
  await checkPage(page);
};

describe('in a real browser, an access request', () => {
  it('is written over two visits, submitted with a PDF, sent back for changes, fixed, and approved after the instructor sees what changed', async () => {
    const email = newEmail('saint-exemple.fr', 'claire.roux');
    await signUpAndActivate(platform, {
      siret: SIRET.commune,
      email,
      givenName: 'Claire',
      familyName: 'Roux',
    });
    const form = completeApiEntrepriseForm();

    // First visit: the applicant starts a request and leaves after typing the title and description.
    const first = await signedIn(email, GOOD_PASSWORD);
    await first.page.getByRole('link', { name: 'Mes demandes' }).first().click();
    await first.page.waitForURL('**/demandes');
    await checkPage(first.page);
    await first.page.getByRole('link', { name: 'Nouvelle demande' }).first().click();
    await first.page.waitForURL('**/demandes/nouvelle');
    await checkPage(first.page);
    await first.page.getByText('API Entreprise', { exact: false }).first().click();
    await first.page.getByRole('button', { name: 'Commencer la demande' }).click();
    await first.page.waitForURL('**/formulaire/projet');
    await checkPage(first.page);
    await first.page.getByLabel('Intitulé de votre projet').fill(form.project.title);
    await first.page.getByLabel('Décrivez votre projet').fill(form.project.description);
    await first.page.getByLabel('Adresse du service en ligne (facultatif)').click();
    await first.page.getByText(/Brouillon enregistré à/).waitFor();
    const requestId = /\/demandes\/([0-9a-f-]{36})\//.exec(first.page.url())![1]!;
    await shot(first.page, 'demande-etape-projet');
    assert.deepEqual(first.problems, []);
    assertEveryPageChecked(first.page);
    await first.context.close();

    // Second visit: the draft is where it was left.
    const second = await signedIn(email, GOOD_PASSWORD);
    const { page } = second;
    await page.goto(`${platform.url}/demandes`);
    await checkPage(page);
    await page.getByRole('link', { name: form.project.title }).click();
    await page.getByRole('link', { name: 'Continuer la demande' }).click();
    await page.waitForURL('**/formulaire/projet');
    await checkPage(page);
    assert.equal(await page.getByLabel('Intitulé de votre projet').inputValue(), form.project.title);
    await page.getByText('Aide à l’usager : pré-remplissage de formulaires').click();
    await continueTo(page, 'donnees');
    // The use case ticked its scopes; the applicant keeps two of them.
    assert.ok(await page.getByLabel('Unités légales et établissements (Insee)').isChecked());
    assert.ok(await page.getByLabel('Extrait du registre du commerce et des sociétés').isChecked());
    // DSFR draws the box over the input: people click the label.
    await page.locator('label[for="scope-extraits_rcs"]').click();
    assert.equal(await page.getByLabel('Extrait du registre du commerce et des sociétés').isChecked(), false);
    await continueTo(page, 'cadre-juridique');
    await page.getByLabel('Texte qui vous autorise à connaître ces données').fill(form.legalBasis.nature);
    await page.getByRole('button', { name: 'Enregistrer', exact: true }).click();
    await page.waitForURL('**/formulaire/cadre-juridique');
    await checkPage(page);
    const pdf = path.join(files, 'délibération.pdf');
    writeFileSync(pdf, samplePdf());
    await page.getByLabel(/Ajouter un document/).setInputFiles(pdf);
    await Promise.all([
      page.waitForResponse(
        (response) =>
          response.request().method() === 'GET' && response.url().endsWith('/formulaire/cadre-juridique'),
      ),
      page.getByRole('button', { name: 'Joindre le document' }).click(),
    ]);
    await page.getByText('Le document a été ajouté.').waitFor();
    assert.ok(await page.getByText('délibération.pdf — Texte du cadre juridique').isVisible());
    await continueTo(page, 'donnees-personnelles');
    await page.getByLabel('Destinataires des données').fill(form.personalData.recipients);
    await page.getByLabel('Durée de conservation, en mois').fill('24');
    await continueTo(page, 'contacts');
    for (const [role, contact] of Object.entries(form.contacts)) {
      for (const [field, value] of Object.entries(contact))
        await page.locator(`[name="contacts.${role}.${field}"]`).fill(value);
    }
    await continueTo(page, 'conditions');
    await page.getByText('J’accepte les').click();
    await page.getByText('Notre délégué·e à la protection des données est informé·e').click();
    await continueTo(page, 'recapitulatif');
    assert.ok(await page.getByText('Unités légales et établissements (Insee)').isVisible());
    await shot(page, 'demande-recapitulatif');
    await page.getByRole('button', { name: 'Soumettre la demande' }).click();
    await page.waitForURL(`**/demandes/${requestId}`);
    await checkPage(page);
    assert.ok(await page.getByText('Votre demande a été soumise.').isVisible());
    assert.ok(await page.getByText('Soumise', { exact: true }).first().isVisible());

    // The instructor asks for a change.
    const instructor = await signedIn('instructeur@sesame.test', DEMO_PASSWORD);
    await instructor.page.goto(`${platform.url}/instruction`);
    await checkPage(instructor.page);
    await instructor.page.getByRole('link', { name: form.project.title }).click();
    await instructor.page.waitForURL(`**/instruction/demandes/${requestId}`);
    await checkPage(instructor.page);
    assert.ok(await instructor.page.getByText('délibération.pdf').first().isVisible());
    await instructor.page.locator('#motif-modifications').fill('Indiquez la délibération la plus récente.');
    await instructor.page.getByRole('button', { name: 'Demander des modifications' }).click();
    await instructor.page.waitForURL(`**/instruction/demandes/${requestId}`);
    await checkPage(instructor.page);

    // The applicant fixes the legal basis and submits again.
    await page.goto(`${platform.url}/demandes/${requestId}`);
    await checkPage(page);
    assert.ok(
      await page
        .locator('#modifications-demandees')
        .getByText('Indiquez la délibération la plus récente.')
        .isVisible(),
    );
    await page.getByRole('link', { name: 'Modifier la demande' }).click();
    await page.goto(`${platform.url}/demandes/${requestId}/formulaire/cadre-juridique`);
    await checkPage(page);
    await page
      .getByLabel('Texte qui vous autorise à connaître ces données')
      .fill('Délibération n° 2026-77 du 3 novembre 2026');
    await page.getByRole('button', { name: 'Enregistrer', exact: true }).click();
    await page.goto(`${platform.url}/demandes/${requestId}/formulaire/recapitulatif`);
    await checkPage(page);
    await page.getByRole('button', { name: 'Soumettre la demande' }).click();
    await page.waitForURL(`**/demandes/${requestId}`);
    await checkPage(page);

    // The instructor sees what changed, and approves.
    await instructor.page.goto(`${platform.url}/instruction/demandes/${requestId}`);
    await checkPage(instructor.page);
    const changes = instructor.page.locator('section, div').filter({
      has: instructor.page.getByRole('heading', { name: 'Modifications depuis la soumission précédente' }),
    });
    assert.ok(await changes.getByText('Délibération n° 2026-77 du 3 novembre 2026').first().isVisible());
    await shot(instructor.page, 'instruction-demande-modifiee');
    await instructor.page.getByRole('button', { name: 'Valider la demande' }).click();
    await instructor.page.waitForURL(`**/instruction/demandes/${requestId}`);
    await checkPage(instructor.page);

    await eventually(async () => {
      const { rows } = await platform.services.db.query<{ state: string; scopes: string[] }>(
        `SELECT r.state, h.scopes FROM access_requests r JOIN habilitations h ON h.request_id = r.id WHERE r.id = $1`,
        [requestId],
      );
      return rows[0];
    });
    await page.goto(`${platform.url}/demandes/${requestId}`);
    await checkPage(page);
    assert.ok(await page.getByText('Validée', { exact: true }).first().isVisible());
    await shot(page, 'demande-validee');
    const { rows } = await platform.services.db.query<{ scopes: string[] }>(
      'SELECT scopes FROM habilitations WHERE request_id = $1',
      [requestId],
    );
    assert.deepEqual(
      rows.map((row) => [...row.scopes].sort()),
      [['associations', 'unites_legales_etablissements']],
    );
    assert.deepEqual([...second.problems, ...instructor.problems], []);
    assertEveryPageChecked(page);
    assertEveryPageChecked(instructor.page);
    await second.context.close();
    await instructor.context.close();
  });
});
