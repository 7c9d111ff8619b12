import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { assertEveryPageChecked, checkPage, watchAccessibility } from './helpers/accessibility.ts';
import { GOOD_PASSWORD, newEmail, signUpAndActivate, SIRET } from './helpers/accounts.ts';
import { launchBrowser, signInThroughBrowser } from './helpers/browser.ts';
import {
  approvedTechnicalAccountRequest,
  approvedToken,
  instructorOf,
  submitRequest,
} from './helpers/habilitations.ts';
import type { HttpClient } from './helpers/http-client.ts';
import { DEMO_PASSWORD, startTestPlatform, type TestPlatform } from './helpers/platform.ts';
import { createPerson } from './helpers/people.ts';
import { completeForm } from './helpers/requests.ts';

let platform: TestPlatform;
let browser: Browser;
let applicant: { email: string; client: HttpClient };
const titles = {
  draft: 'Portail des marchés publics',
  changes: 'Tarification sociale de la cantine',
};

before(async () => {
  platform = await startTestPlatform();
  browser = await launchBrowser();
  applicant = await signUpAndActivate(platform, {
    siret: SIRET.commune,
    email: newEmail('saint-exemple.fr'),
  });
  const { client } = applicant;

  // A draft with a title, to finish.
  const draft = await client.send('POST', '/api/v1/requests', {
    definition: 'api-entreprise',
    siret: SIRET.commune,
  });
  assert.equal(draft.status, 201, draft.text);
  const saved = await client.send('PATCH', `/api/v1/requests/${draft.json.id}`, {
    project: { title: titles.draft },
  });
  assert.equal(saved.status, 200, saved.text);

  // A request the instructor sent back with changes to make.
  const form = completeForm('api-particulier') as { project: Record<string, unknown> };
  const sentBack = await submitRequest(client, {
    definition: 'api-particulier',
    form: { ...form, project: { ...form.project, title: titles.changes } },
  });
  const instructor = await instructorOf(platform);
  const asked = await instructor.send('POST', `/api/v1/requests/${sentBack}/request-changes`, {
    reason: 'Précisez la délibération qui fonde le traitement.',
  });
  assert.equal(asked.status, 200, asked.text);

  // A validated request whose token expires in 20 days, and a submission waiting for the instructors.
  const { tokenId, requestId } = await approvedToken(platform, client, { definition: 'api-entreprise' });
  await platform.services.db.query(
    `UPDATE tokens SET expires_at = now() + interval '20 days' WHERE id = $1`,
    [tokenId],
  );
  // Its decision took two days: the catalogue's median (decisions under a minute are left out of it).
  await platform.services.db.query(
    `UPDATE request_events SET occurred_at = occurred_at - interval '2 days'
      WHERE request_id = $1 AND type = 'submit'`,
    [requestId],
  );
  await submitRequest(client, { definition: 'api-entreprise' });
});

after(async () => {
  await browser?.close();
  await platform?.stop();
});

async function signedIn(email: string, password: string): Promise<Page> {
  const context = await browser.newContext({ locale: 'fr-FR' });
  const page = watchAccessibility(await context.newPage());
  await signInThroughBrowser(page, platform.url, email, password);
  return page;
}

describe('the dashboard in a real browser', () => {
  it('shows the applicant what waits for them: a draft, changes asked, a token expiring, and a new request', async () => {
    const page = await signedIn(applicant.email, GOOD_PASSWORD);
    await checkPage(page);

    const toDo = page.locator('section', { has: page.getByRole('heading', { name: 'À faire' }) });
    await assert.doesNotReject(toDo.getByRole('heading', { name: titles.draft }).waitFor());
    assert.equal(await toDo.getByRole('heading', { name: titles.changes }).count(), 1);
    assert.equal(await toDo.getByRole('link', { name: /Reprendre la demande/ }).count(), 1);
    assert.equal(await toDo.getByRole('link', { name: /Voir les modifications demandées/ }).count(), 1);
    assert.match(await toDo.innerText(), /« Précisez la délibération qui fonde le traitement\. »/);
    // Submitted and validated requests ask nothing of the applicant.
    assert.equal(await toDo.locator('.fr-card').count(), 2);

    const requests = page.locator('section', { has: page.getByRole('heading', { name: 'Vos demandes' }) });
    assert.match(await requests.innerText(), /En cours d’instruction : rien à faire pour le moment/);

    const credentials = page.locator('section', {
      has: page.getByRole('heading', { name: 'Vos habilitations et jetons' }),
    });
    assert.match(
      await credentials.locator('.fr-alert--warning').innerText(),
      /\(API Entreprise, COMMUNE DE SAINT-EXEMPLE-SUR-LOIRE\) expire le/,
    );
    assert.match(await credentials.innerText(), /Expire bientôt/i);

    await page.getByRole('link', { name: /Voir les modifications demandées/ }).click();
    await page.waitForURL(/\/demandes\/[0-9a-f-]+$/);
    await checkPage(page);
    await page.goBack();

    await page.getByRole('link', { name: 'Nouvelle demande' }).click();
    await page.waitForURL('**/demandes/nouvelle');
    await checkPage(page);
    assertEveryPageChecked(page);
    await page.context().close();
  });

  it('shows a reader the organisation’s requests and tokens, without a button to a request they may not make', async () => {
    const reader = await createPerson(platform, {
      invitedBy: { admin: applicant.client, siret: SIRET.commune, roles: ['lecteur'] },
    });
    const dashboard = await reader.client.get('/tableau-de-bord');
    assert.equal(dashboard.status, 200);
    assert.match(dashboard.text, new RegExp(titles.changes));
    assert.match(dashboard.text, /Expire bientôt/);
    assert.doesNotMatch(dashboard.text, /href="\/demandes\/nouvelle"/);
  });

  it('shows an instructor the requests waiting for a decision and the way to the queue', async () => {
    const page = await signedIn('instructeur@sesame.test', DEMO_PASSWORD);
    await checkPage(page);
    const instruction = page.locator('section', { has: page.getByRole('heading', { name: 'Instruction' }) });
    assert.match(await instruction.innerText(), /1 demande en attente de décision/);
    assert.match(await instruction.innerText(), /API Entreprise : 1 en attente/);
    assert.equal(
      await instruction.getByRole('link', { name: 'API Entreprise' }).getAttribute('href'),
      '/instruction?definition=api-entreprise&state=submitted',
    );
    // Someone whose only roles are the platform's asks for no access: no applicant's sections.
    assert.equal(await page.getByRole('heading', { name: 'À faire' }).count(), 0);
    await instruction.getByRole('link', { name: 'Ouvrir la file d’instruction' }).click();
    await page.waitForURL('**/instruction');
    await checkPage(page);
    assertEveryPageChecked(page);
    await page.context().close();
  });
});

describe('the catalogue in a real browser', () => {
  it('lists every API with its data and median delay, and leads to a request for it', async () => {
    const context = await browser.newContext({ locale: 'fr-FR' });
    const page = watchAccessibility(await context.newPage());
    await page.goto(platform.url);
    await checkPage(page);
    await page.locator('main').getByRole('link', { name: 'catalogue des API' }).click();
    await page.waitForURL('**/catalogue');
    await checkPage(page);

    const entreprise = page.locator('section', {
      has: page.getByRole('heading', { name: 'API Entreprise' }),
    });
    const particulier = page.locator('section', {
      has: page.getByRole('heading', { name: 'API Particulier' }),
    });
    const chorus = page.locator('section', { has: page.getByRole('heading', { name: /Chorus/ }) });
    assert.match(await entreprise.innerText(), /Délai médian de décision \(3 derniers mois\)\s*2 jours/);
    assert.match(await particulier.innerText(), /pas encore de décision sur cette période/);
    assert.match(await particulier.innerText(), /Quotient familial \(CAF et MSA\)\s*Sensible/i);
    assert.match(await particulier.innerText(), /Direction interministérielle du numérique/);
    assert.match(await chorus.innerText(), /Compte technique/);

    await particulier.getByRole('link', { name: /Faire une demande/ }).click();
    // Anonymous: sign-in first, then back to the new request with the API chosen.
    await page.waitForURL('**/connexion?retour=*');
    await checkPage(page);
    await page.getByLabel('Adresse électronique').fill(applicant.email);
    await page.getByLabel('Mot de passe', { exact: true }).fill(GOOD_PASSWORD);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL('**/demandes/nouvelle?api=api-particulier');
    await checkPage(page);
    assert.equal(await page.getByRole('radio', { name: /API Particulier/ }).isChecked(), true);
    assertEveryPageChecked(page);
    await context.close();
  });
});

describe('the administration in a real browser', () => {
  it('lets a platform admin search people, organisations, habilitations, and grant then withdraw a role', async () => {
    const page = await signedIn('admin@sesame.test', DEMO_PASSWORD);
    await checkPage(page);
    await page.goto(`${platform.url}/admin/utilisateurs`);
    await checkPage(page);
    await page.getByLabel('Rechercher par nom ou adresse électronique').fill(applicant.email);
    await page.getByRole('button', { name: 'Rechercher' }).click();
    await page.waitForURL(/q=/);
    await checkPage(page);
    const rows = page.locator('tbody tr');
    assert.equal(await rows.count(), 1);
    assert.match(await rows.innerText(), /COMMUNE DE SAINT-EXEMPLE.* : Gestionnaire principal/);

    await page.getByRole('link', { name: 'Organisations' }).first().click();
    await page.waitForURL('**/admin/organisations');
    await checkPage(page);
    await page.getByLabel('Rechercher par nom ou SIRET').fill(SIRET.commune.slice(0, 9));
    await page.getByRole('button', { name: 'Rechercher' }).click();
    await page.waitForURL(/q=/);
    assert.equal(await page.locator('tbody tr').count(), 1);
    assert.match(await page.locator('tbody tr').innerText(), /dont 1 en instruction/);

    await page.goto(`${platform.url}/admin/habilitations?definition=api-entreprise&status=active`);
    await checkPage(page);
    assert.equal(await page.locator('tbody tr').count(), 1);
    await page.locator('tbody').getByRole('link', { name: 'API Entreprise', exact: true }).click();
    await page.waitForURL(/\/jetons\/[0-9a-f-]+$/);
    await checkPage(page);
    await page.goBack();
    await page
      .locator('tbody')
      .getByRole('link', { name: /Voir la demande/ })
      .click();
    await page.waitForURL(/\/instruction\/demandes\/[0-9a-f-]+$/);
    await checkPage(page);

    await page.goto(`${platform.url}/admin/roles`);
    await checkPage(page);
    await page.getByLabel('Adresse électronique de la personne').fill(applicant.email);
    await page.getByLabel('Rôle', { exact: true }).selectOption('rapporteur');
    await page.locator('select#definition').selectOption('api-particulier');
    await page.getByRole('button', { name: 'Attribuer le rôle' }).click();
    await page.waitForURL('**/admin/roles');
    await checkPage(page);
    assert.match(await page.locator('.fr-alert--success').innerText(), /Rapporteur — API Particulier/);
    const particulier = page.locator('section', {
      has: page.getByRole('heading', { name: 'API Particulier' }),
    });
    assert.match(await particulier.innerText(), new RegExp(applicant.email));

    await particulier.getByRole('link', { name: /Retirer le rôle Rapporteur/ }).click();
    await page.waitForURL('**/admin/roles/retrait?*');
    await checkPage(page);
    await page.getByRole('button', { name: 'Retirer le rôle' }).click();
    await page.waitForURL('**/admin/roles');
    assert.match(await page.locator('.fr-alert--success').innerText(), /n’a plus le rôle/);
    assert.doesNotMatch(
      await page
        .locator('section', { has: page.getByRole('heading', { name: 'API Particulier' }) })
        .innerText(),
      new RegExp(applicant.email),
    );

    await page.goto(`${platform.url}/admin`);
    await checkPage(page);
    assertEveryPageChecked(page);
    await page.context().close();
  });
});

describe('technical accounts on the dashboard in a real browser', () => {
  it('warns the main manager of a password ending soon or ended, and leads to its reset; others are not told', async () => {
    const { client } = applicant;
    await approvedTechnicalAccountRequest(platform, client);
    const create = async () => {
      const created = await client.send('POST', `/api/v1/organisations/${SIRET.commune}/technical-accounts`);
      assert.equal(created.status, 201, created.text);
      return created.json as { id: string; login: string };
    };
    const [ending, ended, fresh] = [await create(), await create(), await create()];
    const expiresIn = (id: string, interval: string) =>
      platform.services.db.query(
        `UPDATE technical_accounts SET password_expires_at = now() + $2::interval WHERE id = $1`,
        [id, interval],
      );
    await expiresIn(ending.id, '5 days');
    await expiresIn(ended.id, '-2 days');

    const page = await signedIn(applicant.email, GOOD_PASSWORD);
    await checkPage(page);
    const credentials = page.locator('section', {
      has: page.getByRole('heading', { name: 'Vos habilitations et jetons' }),
    });
    const warning = credentials.locator('.fr-alert--warning', { hasText: ending.login });
    assert.match(await warning.innerText(), /COMMUNE DE SAINT-EXEMPLE-SUR-LOIRE\) expire le/);
    const error = credentials.locator('.fr-alert--error', { hasText: ended.login });
    assert.match(await error.innerText(), /a expiré le .* : les appels faits avec ce compte sont refusés/);
    assert.equal(await credentials.getByText(fresh.login).count(), 0, 'a year ahead: nothing to say yet');

    await error.getByRole('link', { name: `Réinitialiser le mot de passe de ${ended.login}` }).click();
    await page.waitForURL(`**/comptes-techniques/${ended.id}/reinitialisation`);
    await checkPage(page);
    assertEveryPageChecked(page);
    await page.context().close();

    // The accounts are the main manager's alone: another member is not told of them.
    const member = await createPerson(platform, {
      invitedBy: { admin: client, siret: SIRET.commune, roles: ['demandeur'] },
    });
    const theirs = await member.client.get('/tableau-de-bord');
    assert.equal(theirs.status, 200);
    assert.doesNotMatch(theirs.text, new RegExp(ended.login));
  });
});
