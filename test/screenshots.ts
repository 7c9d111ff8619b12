import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { Browser, Page } from 'playwright-core';
import { startEphemeralDevServer, type DevServer } from '../runtime/temporal-dev-server.ts';
import { WORKFLOWS_PATH } from '../runtime/worker.ts';
import { GOOD_PASSWORD, SIRET, signUpAndActivate } from './helpers/accounts.ts';
import { assertNoSidewaysScroll } from './helpers/accessibility.ts';
import { launchBrowser } from './helpers/browser.ts';
import { approvedTechnicalAccountRequest, approvedToken, submitRequest } from './helpers/habilitations.ts';
import { createPerson } from './helpers/people.ts';
import { DEMO_PASSWORD, startTestPlatform, type TestPlatform } from './helpers/platform.ts';

/**
 * `npm run screenshots`: the platform as the tests start it (fresh databases, a Temporal dev server of its own),
 * seeded with demo data, then every page of the site captured full-page at 1280 px and 375 px, as each kind of
 * person sees it, into screenshots/ (ignored by git). Prints the files; stops everything it started, even on
 * failure. To capture a new page, add a line to `pagesOf` below.
 */

const ROOT = path.resolve(import.meta.dirname, '..');
const OUT = path.join(ROOT, 'screenshots');
const WIDTHS = [1280, 375] as const;

type Persona = 'visiteur' | 'demandeur' | 'instructeur' | 'support' | 'admin' | 'developpeur';

interface Shot {
  persona: Persona;
  /** The file's name (without width and extension). */
  name: string;
  path: string;
  /** The status the page answers with (200 unless said). */
  status?: number;
  /** A page another part of the work adds: a 404 is a warning, not a failure. */
  optional?: boolean;
  /** The widths to capture (both unless said). */
  widths?: readonly number[];
  /** What to do on the page before capturing it (open a menu). */
  before?: (page: Page) => Promise<void>;
}

/** The phone's menu, opened with its button. */
const openPhoneMenu = async (page: Page) => {
  await page.getByRole('button', { name: 'Menu' }).click();
  await page.locator('#menu-principal').waitFor({ state: 'visible' });
  await page.waitForTimeout(300);
};

/** The form sent empty with its button: the page it comes back to, with its errors. */
const submitEmpty = (button: string) => async (page: Page) => {
  await page.locator('main').getByRole('button', { name: button }).click();
  await page.waitForLoadState('load');
};

/** A page shown once after a form (a revealed token, created codes): the form sent at the first width only. */
const submitOnce =
  (button: string, shownAt: string, fill?: (page: Page) => Promise<void>) => async (page: Page) => {
    if (page.url().includes(shownAt)) return;
    await fill?.(page);
    await page.locator('main').getByRole('button', { name: button }).first().click();
    await page.waitForURL(`**${shownAt}*`);
  };

/** The administration menu of the navigation, unfolded. */
const openAdministrationMenu = async (page: Page) => {
  await page.locator('#navigation').getByRole('button', { name: 'Administration' }).click();
  await page.locator('#menu-administration').waitFor({ state: 'visible' });
  await page.waitForTimeout(300);
};

/** What the seeding made: the identifiers the pages' addresses need. */
interface Demo {
  applicantEmail: string;
  siret: string;
  draftId: string;
  submittedId: string;
  validatedId: string;
  habilitationId: string;
  technicalRequestId: string;
  tokenId: string;
  technicalAccountId: string;
  memberUserId: string;
  codeId: string;
  webhookId: string | undefined;
  emailId: string | undefined;
}

function pagesOf(demo: Demo): Shot[] {
  const { siret } = demo;
  return [
    // Public pages.
    { persona: 'visiteur', name: 'accueil', path: '/' },
    { persona: 'visiteur', name: 'connexion', path: '/connexion' },
    {
      persona: 'visiteur',
      name: 'connexion-refusee',
      path: '/connexion',
      before: submitEmpty('Se connecter'),
    },
    { persona: 'visiteur', name: 'inscription', path: '/inscription' },
    {
      persona: 'visiteur',
      name: 'inscription-refusee',
      path: '/inscription',
      before: submitEmpty('Créer mon compte'),
    },
    { persona: 'visiteur', name: 'inscription-envoyee', path: '/inscription/verifiez-votre-messagerie' },
    { persona: 'visiteur', name: 'mot-de-passe-oublie', path: '/mot-de-passe/oublie' },
    {
      persona: 'visiteur',
      name: 'lien-activation-inconnu',
      path: `/activation/${'x'.repeat(43)}`,
      status: 404,
    },
    { persona: 'visiteur', name: 'statistiques', path: '/statistiques' },
    { persona: 'visiteur', name: 'catalogue', path: '/catalogue', optional: true },
    { persona: 'visiteur', name: 'accessibilite', path: '/accessibilite' },
    { persona: 'visiteur', name: 'mentions-legales', path: '/mentions-legales' },
    { persona: 'visiteur', name: 'donnees-personnelles', path: '/donnees-personnelles' },
    { persona: 'visiteur', name: 'gestion-des-cookies', path: '/gestion-des-cookies' },
    { persona: 'visiteur', name: 'page-introuvable', path: '/nulle-part', status: 404 },
    { persona: 'visiteur', name: 'courriels-de-developpement', path: '/dev/mails' },
    ...(demo.emailId
      ? [
          {
            persona: 'visiteur' as const,
            name: 'courriel-de-developpement',
            path: `/dev/mails/${demo.emailId}`,
          },
        ]
      : []),

    // The applicant, main manager of the commune: requests, credentials, the organisation's administration.
    { persona: 'demandeur', name: 'tableau-de-bord', path: '/tableau-de-bord' },
    {
      persona: 'demandeur',
      name: 'menu-telephone',
      path: '/tableau-de-bord',
      widths: [375],
      before: openPhoneMenu,
    },
    { persona: 'demandeur', name: 'catalogue', path: '/catalogue', optional: true },
    { persona: 'demandeur', name: 'demandes', path: '/demandes' },
    { persona: 'demandeur', name: 'demande-nouvelle', path: '/demandes/nouvelle' },
    { persona: 'demandeur', name: 'brouillon', path: `/demandes/${demo.draftId}` },
    { persona: 'demandeur', name: 'brouillon-archiver', path: `/demandes/${demo.draftId}/archiver` },
    ...[
      'projet',
      'donnees',
      'cadre-juridique',
      'donnees-personnelles',
      'contacts',
      'conditions',
      'recapitulatif',
    ].map((step) => ({
      persona: 'demandeur' as const,
      name: `formulaire-${step}`,
      path: `/demandes/${demo.draftId}/formulaire/${step}`,
    })),
    { persona: 'demandeur', name: 'demande-soumise', path: `/demandes/${demo.submittedId}` },
    { persona: 'demandeur', name: 'demande-validee', path: `/demandes/${demo.validatedId}` },
    { persona: 'demandeur', name: 'jetons', path: '/jetons' },
    { persona: 'demandeur', name: 'jeton', path: `/jetons/${demo.habilitationId}` },
    {
      persona: 'demandeur',
      name: 'jeton-revocation',
      path: `/jetons/${demo.habilitationId}/${demo.tokenId}/revocation`,
    },
    {
      persona: 'demandeur',
      name: 'jeton-revele',
      path: `/jetons/${demo.habilitationId}`,
      before: submitOnce('Révéler le jeton', '/revele'),
    },
    { persona: 'demandeur', name: 'compte', path: '/compte' },
    { persona: 'demandeur', name: 'code-invitation-utiliser', path: '/invitations/utiliser' },
    { persona: 'demandeur', name: 'organisation', path: `/organisations/${siret}` },
    { persona: 'demandeur', name: 'membres', path: `/organisations/${siret}/membres` },
    {
      persona: 'demandeur',
      name: 'membre-retirer',
      path: `/organisations/${siret}/membres/${demo.memberUserId}/retirer`,
    },
    { persona: 'demandeur', name: 'codes-invitation', path: `/organisations/${siret}/codes-invitation` },
    {
      persona: 'demandeur',
      name: 'codes-invitation-creer',
      path: `/organisations/${siret}/codes-invitation/creer`,
    },
    { persona: 'demandeur', name: 'comptes-techniques', path: `/organisations/${siret}/comptes-techniques` },
    {
      persona: 'demandeur',
      name: 'compte-technique-reinitialisation',
      path: `/organisations/${siret}/comptes-techniques/${demo.technicalAccountId}/reinitialisation`,
    },
    {
      persona: 'demandeur',
      name: 'compte-technique-suppression',
      path: `/organisations/${siret}/comptes-techniques/${demo.technicalAccountId}/suppression`,
    },
    {
      persona: 'demandeur',
      name: 'codes-invitation-desactiver',
      path: `/organisations/${siret}/codes-invitation/desactiver?code=${demo.codeId}`,
    },
    {
      persona: 'demandeur',
      name: 'codes-invitation-crees',
      path: `/organisations/${siret}/codes-invitation/creer`,
      before: submitOnce('Créer les codes d’invitation', '/crees', async (page) => {
        await page.getByLabel('Nombre de codes d’invitation').fill('2');
        await page.getByLabel('Validité, en jours').fill('10');
        await page.locator('#role-demandeur').check({ force: true });
      }),
    },

    // The instructor of every definition.
    { persona: 'instructeur', name: 'tableau-de-bord', path: '/tableau-de-bord' },
    { persona: 'instructeur', name: 'file-instruction', path: '/instruction' },
    {
      persona: 'instructeur',
      name: 'instruction-demande-soumise',
      path: `/instruction/demandes/${demo.submittedId}`,
    },
    {
      persona: 'instructeur',
      name: 'instruction-revoquer',
      path: `/instruction/demandes/${demo.validatedId}/revoquer`,
    },
    {
      persona: 'instructeur',
      name: 'instruction-demande-validee',
      path: `/instruction/demandes/${demo.validatedId}`,
    },

    // Support.
    { persona: 'support', name: 'tableau-de-bord', path: '/tableau-de-bord' },
    { persona: 'support', name: 'rattachements', path: '/support/rattachements' },

    // The platform admin.
    { persona: 'admin', name: 'tableau-de-bord', path: '/tableau-de-bord' },
    {
      persona: 'admin',
      name: 'menu-administration',
      path: '/tableau-de-bord',
      widths: [1280],
      before: openAdministrationMenu,
    },
    {
      persona: 'admin',
      name: 'menu-telephone',
      path: '/tableau-de-bord',
      widths: [375],
      before: openPhoneMenu,
    },
    { persona: 'admin', name: 'administration-courriels', path: '/admin' },
    { persona: 'admin', name: 'utilisateurs', path: '/admin/utilisateurs', optional: true },
    { persona: 'admin', name: 'organisations', path: '/admin/organisations', optional: true },
    { persona: 'admin', name: 'habilitations', path: '/admin/habilitations', optional: true },
    { persona: 'admin', name: 'roles', path: '/admin/roles', optional: true },

    // The developer of API Entreprise.
    { persona: 'developpeur', name: 'tableau-de-bord', path: '/tableau-de-bord' },
    { persona: 'developpeur', name: 'webhooks', path: '/developpeurs/api-entreprise/webhooks' },
    ...(demo.webhookId
      ? [
          {
            persona: 'developpeur' as const,
            name: 'webhook',
            path: `/developpeurs/api-entreprise/webhooks/${demo.webhookId}`,
          },
          {
            persona: 'developpeur' as const,
            name: 'webhook-suppression',
            path: `/developpeurs/api-entreprise/webhooks/${demo.webhookId}/suppression`,
          },
        ]
      : []),
  ];
}

const CREDENTIALS: Record<Exclude<Persona, 'visiteur' | 'demandeur'>, string> = {
  instructeur: 'instructeur@sesame.test',
  support: 'support@sesame.test',
  admin: 'admin@sesame.test',
  developpeur: 'developpeur@sesame.test',
};

/** The demo world: an organisation with members, requests in each state, credentials, codes, a webhook. */
async function seed(platform: TestPlatform): Promise<Demo> {
  const siret = SIRET.commune;
  const applicant = await signUpAndActivate(platform, {
    givenName: 'Hélène',
    familyName: 'Lefèvre',
    siret,
    email: 'helene.lefevre@saint-exemple.fr',
  });
  const client = applicant.client;
  const members = [];
  for (const [givenName, familyName] of [
    ['Inès', 'Moreau'],
    ['Paul', 'Garnier'],
  ] as const)
    members.push(
      await createPerson(platform, {
        givenName,
        familyName,
        domain: 'saint-exemple.fr',
        invitedBy: { admin: client, siret, roles: ['demandeur'] },
      }),
    );
  const codes = await client.send('POST', `/api/v1/organisations/${siret}/invitations`, {
    count: 2,
    roles: ['demandeur'],
  });
  assert.equal(codes.status, 201, codes.text);

  const draft = await client.send('POST', '/api/v1/requests', { definition: 'api-entreprise', siret });
  assert.equal(draft.status, 201, draft.text);
  const submittedId = await submitRequest(client, { definition: 'api-particulier' });
  const validated = await approvedToken(platform, client);
  const technical = await approvedTechnicalAccountRequest(platform, client);
  const account = await client.send('POST', `/api/v1/organisations/${siret}/technical-accounts`);
  assert.equal(account.status, 201, account.text);
  // Its password ends in three weeks: the dashboard warns the main manager, and the capture shows how.
  await platform.services.db.query(
    `UPDATE technical_accounts SET password_expires_at = now() + interval '20 days' WHERE id = $1`,
    [account.json.id],
  );

  let webhookId: string | undefined;
  const developer = platform.client();
  if ((await developer.signIn(CREDENTIALS.developpeur, DEMO_PASSWORD)).status === 200) {
    const created = await developer.send('POST', '/api/v1/definitions/api-entreprise/webhooks', {
      url: 'http://127.0.0.1:9/webhooks/sesame',
    });
    if (created.status === 201) webhookId = created.json.id as string;
    else console.warn(`! no demo webhook: ${created.status} ${created.text}`);
  }

  const emails = (await platform.client().get('/dev/mails.json')).json as { id: string }[];
  return {
    applicantEmail: applicant.email,
    siret,
    draftId: draft.json.id as string,
    submittedId,
    validatedId: validated.requestId,
    habilitationId: validated.habilitationId,
    technicalRequestId: technical.requestId,
    tokenId: validated.tokenId,
    technicalAccountId: account.json.id as string,
    memberUserId: members[0]!.userId,
    codeId: (codes.json.codes as { id: string }[])[0]!.id,
    webhookId,
    emailId: emails[0]?.id,
  };
}

async function signIn(page: Page, url: string, email: string, password: string): Promise<void> {
  await page.goto(`${url}/connexion`);
  await page.getByLabel('Adresse électronique').fill(email);
  await page.getByLabel('Mot de passe', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL('**/tableau-de-bord');
}

async function capture(browser: Browser, platform: TestPlatform, demo: Demo) {
  const files: string[] = [];
  const problems: string[] = [];
  const shots = pagesOf(demo);
  const personas = [...new Set(shots.map((shot) => shot.persona))];
  for (const persona of personas) {
    const context = await browser.newContext({ locale: 'fr-FR', viewport: { width: 1280, height: 900 } });
    try {
      const page = await context.newPage();
      if (persona === 'demandeur') await signIn(page, platform.url, demo.applicantEmail, GOOD_PASSWORD);
      else if (persona !== 'visiteur') await signIn(page, platform.url, CREDENTIALS[persona], DEMO_PASSWORD);
      mkdirSync(path.join(OUT, persona), { recursive: true });
      for (const shot of shots.filter((candidate) => candidate.persona === persona)) {
        const answer = await page.goto(`${platform.url}${shot.path}`);
        const status = answer?.status() ?? 0;
        if (status !== (shot.status ?? 200)) {
          const message = `${persona} ${shot.path}: ${status}`;
          if (shot.optional && status === 404) {
            console.warn(`! ${message} (not there yet: skipped)`);
            continue;
          }
          problems.push(`${message}, expected ${shot.status ?? 200}`);
        }
        await page.waitForLoadState('load');
        // One visit per page (some show a thing once), drawn at each width.
        for (const width of shot.widths ?? WIDTHS) {
          await page.setViewportSize({ width, height: 900 });
          await page.waitForTimeout(150);
          await shot.before?.(page);
          const file = path.join(OUT, persona, `${shot.name}-${width}.png`);
          await page.screenshot({ path: file, fullPage: true });
          files.push(path.relative(ROOT, file));
          // A page wider than its window scrolls sideways on a phone: reported like a wrong status.
          await assertNoSidewaysScroll(page).catch((error: unknown) =>
            problems.push(`${persona}: ${(error as Error).message}`),
          );
        }
        await page.setViewportSize({ width: WIDTHS[0], height: 900 });
      }
    } finally {
      await context.close();
    }
  }
  return { files, problems };
}

const work = mkdtempSync(path.join(os.tmpdir(), 'sesame-screenshots-'));
let devServer: DevServer | undefined;
let platform: TestPlatform | undefined;
let browser: Browser | undefined;
let stopping: Promise<void> | undefined;

function stopEverything(): Promise<void> {
  stopping ??= (async () => {
    await browser?.close().catch(() => undefined);
    await platform?.stop().catch((error: unknown) => console.error('stopping the platform:', error));
    await devServer?.stop().catch((error: unknown) => console.error('stopping Temporal:', error));
    rmSync(work, { recursive: true, force: true });
  })();
  return stopping;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    console.error(`${signal}: stopping`);
    void stopEverything().then(() => process.exit(130));
  });

let exitCode = 0;
try {
  devServer = await startEphemeralDevServer(() => undefined);
  const bundlePath = path.join(work, 'workflow-bundle.js');
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    logger: { info() {}, warn() {}, error: console.error, debug() {}, trace() {}, log() {} },
  });
  writeFileSync(bundlePath, code);
  Object.assign(process.env, {
    SESAME_TEST_TEMPORAL_ADDRESS: devServer.address,
    SESAME_TEST_WORKFLOW_BUNDLE: bundlePath,
  });
  platform = await startTestPlatform({ env: { LOG_LEVEL: 'warn', WEBHOOK_ALLOW_LOCAL_HTTP: 'true' } });
  console.log(`Platform at ${platform.url}; seeding the demo data…`);
  const demo = await seed(platform);
  browser = await launchBrowser();
  rmSync(OUT, { recursive: true, force: true });
  const { files, problems } = await capture(browser, platform, demo);
  for (const file of files) console.log(file);
  console.log(`${files.length} screenshots in ${path.relative(process.cwd(), OUT) || '.'}/`);
  for (const problem of problems) console.error(`✖ ${problem}`);
  if (problems.length > 0) exitCode = 1;
} catch (error) {
  console.error(error);
  exitCode = 1;
} finally {
  await stopEverything();
}
process.exit(exitCode);
