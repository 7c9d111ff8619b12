import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { GOOD_PASSWORD, newEmail, signUpAndActivate, SIRET } from './helpers/accounts.ts';
import { assertEveryPageChecked, checkPage, watchAccessibility } from './helpers/accessibility.ts';
import { launchBrowser, recordProblems, screenshotIfAsked, signInThroughBrowser } from './helpers/browser.ts';
import type { FormData } from '../domain/request-form.ts';
import { startTestPlatform, type TestPlatform } from './helpers/platform.ts';
import { completeApiEntrepriseForm, signInInstructor } from './helpers/requests.ts';

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

/** A browser session signed in through the sign-in page, every page it shows watched for the accessibility checks. */
async function signedIn(email: string): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ locale: 'fr-FR' });
  const page = watchAccessibility(await context.newPage());
  const problems = recordProblems(page);
  await signInThroughBrowser(page, platform.url, email, GOOD_PASSWORD);
  return { context, page, problems };
}

const continueTo = async (page: Page, step: string) => {
  await page.getByRole('button', { name: 'Enregistrer et continuer' }).click();
  await page.waitForURL(`**/formulaire/${step}`);
  await checkPage(page);
};

/** The saved form data of a request, as Postgres holds it. */
async function savedData(requestId: string): Promise<FormData> {
  const { rows } = await platform.services.db.query<{ data: FormData }>(
    'SELECT data FROM access_requests WHERE id = $1',
    [requestId],
  );
  return rows[0]!.data;
}

const isFocused = (page: Page, selector: string) =>
  page.evaluate((wanted) => {
    const { document } = globalThis as unknown as {
      document: { activeElement: unknown; querySelector: (s: string) => unknown };
    };
    return document.activeElement === document.querySelector(wanted);
  }, selector);

describe('in a real browser, the applicant’s request form', () => {
  it('resumes at the first incomplete step, checks each step on leaving it, names each contact in the summary, and after submission says what happens next', async () => {
    const email = newEmail('saint-exemple.fr', 'lea.martin');
    await signUpAndActivate(platform, {
      siret: SIRET.commune,
      email,
      givenName: 'Léa',
      familyName: 'Martin',
    });
    const form = completeApiEntrepriseForm();
    const { context, page, problems } = await signedIn(email);

    await page.goto(`${platform.url}/demandes`);
    await checkPage(page);
    assert.ok(await page.getByText('Vous n’avez encore aucune demande').isVisible());
    await page.getByRole('link', { name: 'Nouvelle demande' }).first().click();
    await checkPage(page);
    await page.locator('label[for="api-api-entreprise"]').click();
    await page.getByRole('button', { name: 'Commencer la demande' }).click();
    await page.waitForURL('**/formulaire/projet');
    await checkPage(page);
    const requestId = /\/demandes\/([0-9a-f-]{36})\//.exec(page.url())![1]!;

    // Leaving the project step without a use case: refused on this step, what was typed is kept.
    await page.getByLabel('Intitulé de votre projet').fill(form.project.title);
    await page.getByLabel('Décrivez votre projet').fill(form.project.description);
    await page.getByRole('button', { name: 'Enregistrer et continuer' }).click();
    await page.waitForURL('**/formulaire/projet');
    await checkPage(page);
    const summary = page.locator('[data-error-summary]');
    assert.match(await summary.innerText(), /Cas d’usage : Choisissez le cas d’usage/);
    assert.ok(await isFocused(page, '[data-error-summary]'), 'focus on the list of errors');
    assert.equal((await savedData(requestId)).project?.title, form.project.title);

    // Resuming the draft from its page opens the first incomplete step: still the project.
    await page.goto(`${platform.url}/demandes/${requestId}`);
    await checkPage(page);
    await page.getByRole('link', { name: 'Continuer la demande' }).click();
    await page.waitForURL('**/formulaire/projet');
    await page.getByText('Aide à l’usager : pré-remplissage de formulaires').click();
    await continueTo(page, 'donnees');
    // The stepper shows the project step as done.
    assert.match(
      await page.getByRole('navigation', { name: 'Étapes du formulaire' }).innerText(),
      /1 étape complète sur 6/,
    );
    assert.equal(
      await page.getByRole('link', { name: /^1\. Votre projet \(complète\)$/ }).count(),
      1,
      'the done step is marked',
    );
    await continueTo(page, 'cadre-juridique');

    // Leaving the draft now and coming back: it resumes at the legal basis, the first step left to do.
    await page.goto(`${platform.url}/demandes/${requestId}`);
    await page.getByRole('link', { name: 'Continuer la demande' }).click();
    await page.waitForURL('**/formulaire/cadre-juridique');
    await checkPage(page);
    await page.getByLabel('Texte qui vous autorise à connaître ces données').fill(form.legalBasis.nature);
    await page.getByLabel('Adresse du texte en ligne').fill(form.legalBasis.url);
    await continueTo(page, 'donnees-personnelles');

    // « abc » months cannot be kept, but the recipients typed beside it are saved.
    await page.getByLabel('Destinataires des données').fill(form.personalData.recipients);
    await page.getByLabel('Durée de conservation, en mois').fill('abc');
    await page.getByRole('button', { name: 'Enregistrer et continuer' }).click();
    await page.waitForURL('**/formulaire/donnees-personnelles');
    await checkPage(page);
    const months = page.locator('.fr-input-group', {
      has: page.getByLabel('Durée de conservation, en mois'),
    });
    assert.match((await months.getAttribute('class')) ?? '', /fr-input-group--error/);
    assert.equal(await page.getByLabel('Durée de conservation, en mois').inputValue(), 'abc');
    assert.match(await summary.innerText(), /Durée de conservation : Nombre entier de mois attendu/);
    assert.equal((await savedData(requestId)).personalData?.recipients, form.personalData.recipients);
    // The error list's link takes the focus to the field.
    await summary.getByRole('link', { name: 'Durée de conservation' }).click();
    assert.ok(await isFocused(page, '[id="personalData.retentionMonths"]'));

    // 48 months need a justification, asked for on this step.
    await page.getByLabel('Durée de conservation, en mois').fill('48');
    await page.getByRole('button', { name: 'Enregistrer et continuer' }).click();
    await page.waitForURL('**/formulaire/donnees-personnelles');
    await checkPage(page);
    assert.match(
      await summary.innerText(),
      /Justification de la durée de conservation : Au-delà de 36 mois, justifiez la durée de conservation/,
    );
    assert.equal((await savedData(requestId)).personalData?.retentionMonths, 48);
    await shot(page, 'demande-etape-erreurs');
    await page
      .getByLabel('Justification de la durée de conservation')
      .fill('Délai de recours contentieux sur les subventions versées.');
    await continueTo(page, 'contacts');

    // A technical contact's phone « abc »: refused on the step; the applicant moves on through the stepper.
    for (const [role, contact] of Object.entries(form.contacts))
      for (const [field, value] of Object.entries(contact))
        await page.locator(`[name="contacts.${role}.${field}"]`).fill(value);
    await page.locator('[name="contacts.technical.phone"]').fill('abc');
    await page.getByRole('button', { name: 'Enregistrer et continuer' }).click();
    await page.waitForURL('**/formulaire/contacts');
    await checkPage(page);
    assert.match(await summary.innerText(), /Contact technique, téléphone : Numéro de téléphone invalide/);
    await page.getByRole('link', { name: /^6\. Conditions d’utilisation/ }).click();
    await page.waitForURL('**/formulaire/conditions');
    await checkPage(page);
    await page.getByText('J’accepte les').click();
    await page.getByText('Notre délégué·e à la protection des données est informé·e').click();
    await continueTo(page, 'recapitulatif');

    // The summary says which contact, and its link marks the field on the contacts step.
    const missing = page.locator('.fr-alert--warning');
    assert.match(await missing.innerText(), /Contact technique, téléphone : Numéro de téléphone invalide/);
    assert.ok(await page.getByRole('button', { name: 'Soumettre la demande' }).isDisabled());
    await missing.getByRole('link', { name: 'Contact technique, téléphone' }).click();
    await page.waitForURL(/\/formulaire\/contacts\?verifier#/);
    await checkPage(page);
    const phone = page.locator('.fr-input-group', { has: page.locator('[name="contacts.technical.phone"]') });
    assert.match((await phone.getAttribute('class')) ?? '', /fr-input-group--error/);
    assert.ok(await isFocused(page, '[id="contacts.technical.phone"]'), 'focus on the field the link named');
    await page.locator('[name="contacts.technical.phone"]').fill('+33 1 23 45 67 89');
    await continueTo(page, 'conditions');
    await continueTo(page, 'recapitulatif');

    // Every step done; one label over the data asked for; a « Modifier » link per section leads to its step.
    assert.match(
      await page.getByRole('navigation', { name: 'Étapes du formulaire' }).innerText(),
      /6 étapes complètes sur 6/,
    );
    assert.equal(await page.getByText('Donnée', { exact: true }).count(), 0);
    assert.equal(await page.locator('dt', { hasText: 'Données demandées' }).count(), 1);
    await shot(page, 'demande-recapitulatif');
    await page.getByRole('link', { name: 'Modifier : Cadre juridique' }).click();
    await page.waitForURL('**/formulaire/cadre-juridique');
    await checkPage(page);
    await page.goto(`${platform.url}/demandes/${requestId}`);
    await page.getByRole('link', { name: 'Vérifier et soumettre' }).click();
    await page.waitForURL('**/formulaire/recapitulatif');

    await page.getByRole('button', { name: 'Soumettre la demande' }).click();
    await page.waitForURL(`**/demandes/${requestId}`);
    await checkPage(page);
    assert.ok(
      await page.getByText(/Votre demande a été soumise\. L’équipe d’instruction va l’examiner/).isVisible(),
    );
    assert.ok(await page.getByRole('heading', { name: 'Et maintenant ?' }).isVisible());
    assert.ok(await page.getByText('Demande d’accès à l’API Entreprise').isVisible());
    await shot(page, 'demande-soumise');
    assert.deepEqual(problems, []);
    assertEveryPageChecked(page);
    await context.close();
  });

  it('shows the instructor’s reason at the top when changes are asked, leads from a validated request to its token, and starts a new request from a copy', async () => {
    // An organisation of its own: « Mes demandes » lists its two requests and nothing of the first test's.
    const email = newEmail('ville-exemple.fr', 'hugo.bernard');
    const { client } = await signUpAndActivate(platform, {
      siret: SIRET.otherCommune,
      email,
      givenName: 'Hugo',
      familyName: 'Bernard',
    });
    const form = completeApiEntrepriseForm();
    const created = await client.send('POST', '/api/v1/requests', {
      definition: 'api-entreprise',
      siret: SIRET.otherCommune,
    });
    const requestId = created.json.id as string;
    await client.send('PATCH', `/api/v1/requests/${requestId}`, form);
    assert.equal((await client.send('POST', `/api/v1/requests/${requestId}/submit`)).status, 200);
    const instructor = await signInInstructor(platform);
    const reason = 'Précisez la délibération qui fonde la demande, avec sa date.';
    const asked = await instructor.send('POST', `/api/v1/requests/${requestId}/request-changes`, { reason });
    assert.equal(asked.status, 200, asked.text);

    const { context, page, problems } = await signedIn(email);
    await page.goto(`${platform.url}/demandes/${requestId}`);
    await checkPage(page);
    const box = page.locator('#modifications-demandees');
    assert.match(await box.innerText(), /Des modifications vous sont demandées/);
    assert.ok(await box.getByText(reason).isVisible());
    assert.match(await box.innerText(), /a demandé le \d/);
    const top = (await box.boundingBox())!.y;
    assert.ok(top < 700, `the reason is near the top of the page (at ${top} px)`);
    await shot(page, 'demande-modifications-demandees');

    // Fixed and submitted again; the badge counts submissions as the history does.
    await page.getByRole('link', { name: 'Modifier la demande' }).click();
    await page.waitForURL('**/formulaire/recapitulatif');
    await checkPage(page);
    await page.getByRole('link', { name: 'Modifier : Cadre juridique' }).click();
    await page.waitForURL('**/formulaire/cadre-juridique');
    await checkPage(page);
    await page
      .getByLabel('Texte qui vous autorise à connaître ces données')
      .fill('Délibération n° 2026-77 du 3 novembre 2026');
    await continueTo(page, 'donnees-personnelles');
    await page.goto(`${platform.url}/demandes/${requestId}/formulaire/recapitulatif`);
    await page.getByRole('button', { name: 'Soumettre la demande' }).click();
    await page.waitForURL(`**/demandes/${requestId}`);
    await checkPage(page);
    assert.ok(await page.getByText('Soumission n° 2', { exact: true }).isVisible());
    assert.equal(await page.getByText(/Révision 1|Version 1/).count(), 0);

    const approved = await instructor.send('POST', `/api/v1/requests/${requestId}/approve`, {});
    assert.equal(approved.status, 200, approved.text);
    const habilitationId = approved.json.habilitationId as string;
    await page.reload();
    await checkPage(page);
    await page.getByRole('link', { name: 'Voir le jeton d’accès' }).click();
    await page.waitForURL(`**/jetons/${habilitationId}`);
    await checkPage(page);

    // A new request from a copy: same organisation and answers, the commitments to make again.
    await page.goto(`${platform.url}/demandes/${requestId}`);
    await page.getByRole('button', { name: 'Nouvelle demande à partir de celle-ci' }).click();
    await page.waitForURL('**/formulaire/conditions');
    await checkPage(page);
    assert.ok(await page.getByText(/Une nouvelle demande a été créée à partir de la précédente/).isVisible());
    assert.equal(await page.getByLabel(/J’accepte les/).isChecked(), false);
    const copyId = /\/demandes\/([0-9a-f-]{36})\//.exec(page.url())![1]!;
    assert.notEqual(copyId, requestId);
    const copied = await savedData(copyId);
    assert.equal(copied.project?.title, form.project.title);
    assert.equal(copied.legalBasis?.nature, 'Délibération n° 2026-77 du 3 novembre 2026');
    assert.equal(copied.terms, undefined);

    // Archiving the copy asks for a confirmation first.
    await page.goto(`${platform.url}/demandes/${copyId}`);
    await page.getByRole('link', { name: 'Archiver' }).click();
    await page.waitForURL(`**/demandes/${copyId}/archiver`);
    await checkPage(page);
    await page.getByRole('button', { name: 'Archiver la demande' }).click();
    await page.waitForURL(`**/demandes/${copyId}`);
    await checkPage(page);
    assert.ok(await page.getByText('La demande a été archivée.').isVisible());

    // « Mes demandes »: text, state and API filters, kept in the form, with a count and an empty state.
    await page.goto(`${platform.url}/demandes`);
    await checkPage(page);
    assert.ok(await page.getByText('2 demandes', { exact: true }).isVisible());
    await page.getByLabel('État').selectOption('validated');
    await page.getByRole('button', { name: 'Filtrer' }).click();
    await page.waitForURL(/\/demandes\?/);
    await checkPage(page);
    assert.match(await page.getByRole('status').innerText(), /^1 demande correspondant à votre recherche/);
    assert.equal(await page.getByLabel('État').inputValue(), 'validated');
    await page.getByRole('searchbox').fill('subvention entreprise');
    await page.getByRole('button', { name: 'Filtrer' }).click();
    await page.waitForURL(/\/demandes\?/);
    assert.equal(await page.getByRole('searchbox').inputValue(), 'subvention entreprise');
    assert.equal(await page.locator('tbody tr').count(), 1);
    await page.getByRole('searchbox').fill('cantine scolaire');
    await page.getByRole('button', { name: 'Filtrer' }).click();
    await page.waitForURL(/\/demandes\?/);
    await checkPage(page);
    assert.ok(await page.getByText('Aucune demande ne correspond à votre recherche.').isVisible());
    await page.goto(`${platform.url}/demandes?api=chorus-pro`);
    assert.equal(await page.locator('tbody tr').count(), 0);
    await page.goto(`${platform.url}/demandes?api=api-entreprise&etat=archived`);
    assert.equal(await page.locator('tbody tr').count(), 1);
    await shot(page, 'demandes-filtrees');

    assert.deepEqual(problems, []);
    assertEveryPageChecked(page);
    await context.close();
  });
});
