import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { assertEveryPageChecked, checkPage, watchAccessibility } from './helpers/accessibility.ts';
import { launchBrowser, screenshotIfAsked } from './helpers/browser.ts';
import { approve } from './helpers/habilitations.ts';
import { DEMO_PASSWORD, startTestPlatform, type TestPlatform } from './helpers/platform.ts';
import { applicantWithDraft, completeApiEntrepriseForm, fillAndSubmit } from './helpers/requests.ts';

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

/** How far the page and each table reach past their box, in pixels (0 when everything fits). */
async function overflow(page: Page): Promise<{ page: number; tables: number[] }> {
  return page.evaluate(() => {
    const { document } = globalThis as unknown as {
      document: {
        documentElement: { scrollWidth: number; clientWidth: number };
        querySelectorAll: (selector: string) => Iterable<{ scrollWidth: number; clientWidth: number }>;
      };
    };
    const root = document.documentElement;
    return {
      page: Math.max(0, root.scrollWidth - root.clientWidth),
      tables: [...document.querySelectorAll('.fr-table__container')].map((box) =>
        Math.max(0, box.scrollWidth - box.clientWidth),
      ),
    };
  });
}

const eventCount = async (requestId: string, type: string) =>
  Number(
    (
      await platform.services.db.query<{ count: string }>(
        `SELECT count(*) FROM request_events WHERE request_id = $1 AND type = $2`,
        [requestId, type],
      )
    ).rows[0]!.count,
  );

describe('in a real browser, the instructor', () => {
  it('works through the queue at 1280 px, asks for changes (a reason is required), and revokes after a confirmation', async () => {
    // Three submissions, one with a long title, and one request already approved.
    const waiting = await applicantWithDraft(platform);
    await fillAndSubmit(waiting.client, waiting.requestId);
    const long = await applicantWithDraft(platform);
    const form = completeApiEntrepriseForm();
    await fillAndSubmit(long.client, long.requestId, {
      ...form,
      project: {
        ...form.project,
        title: 'Vérification automatisée des pièces justificatives des marchés publics de la métropole',
      },
    });
    const approved = await applicantWithDraft(platform);
    await fillAndSubmit(approved.client, approved.requestId, {
      ...form,
      project: { ...form.project, title: 'Portail des aides aux associations sportives' },
    });
    await approve(platform, approved.requestId);

    const context = await browser.newContext({ locale: 'fr-FR', viewport: { width: 1280, height: 900 } });
    const page = watchAccessibility(await context.newPage());
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    try {
      await page.goto(`${platform.url}/connexion`);
      await checkPage(page);
      await page.getByLabel('Adresse électronique').fill('instructeur@sesame.test');
      await page.getByLabel('Mot de passe', { exact: true }).fill(DEMO_PASSWORD);
      await page.getByRole('button', { name: 'Se connecter' }).click();
      await page.waitForURL('**/tableau-de-bord');
      await checkPage(page);

      // The queue fits 1,200 px: no horizontal scrolling of the page or of its table.
      await page.goto(`${platform.url}/instruction`);
      await checkPage(page);
      await shot(page, 'instruction-file-1280');
      assert.deepEqual(await overflow(page), { page: 0, tables: [0] });
      assert.ok(await page.getByRole('link', { name: form.project.title }).first().isVisible());

      // Filters: by API and by text; then every request again.
      await page.getByLabel('API', { exact: true }).selectOption('api-entreprise');
      await page.getByLabel(/Rechercher/).fill('métropole');
      await page.getByRole('button', { name: 'Filtrer' }).click();
      await page.waitForURL(/\/instruction\?definition=api-entreprise&state=&q=m/);
      await checkPage(page);
      assert.equal(await page.locator('tbody tr').count(), 1);
      await page.getByRole('link', { name: 'Réinitialiser les filtres' }).click();
      await page.waitForURL(`${platform.url}/instruction`);

      // The request page.
      await page.getByRole('link', { name: /Vérification automatisée/ }).click();
      await page.waitForURL(`**/instruction/demandes/${long.requestId}`);
      await checkPage(page);
      await shot(page, 'instruction-demande-1280');
      assert.equal((await overflow(page)).page, 0);

      // Asking for changes without a reason: back to the form, the field marked, nothing sent.
      await page.getByRole('button', { name: 'Demander des modifications' }).click();
      await page.waitForURL(`**/instruction/demandes/${long.requestId}#decision-modifications`);
      const reason = page.locator('#motif-modifications');
      assert.equal(await reason.getAttribute('aria-invalid'), 'true');
      assert.ok(await page.locator('#motif-modifications-erreur').isVisible());
      await checkPage(page);
      assert.equal(await eventCount(long.requestId, 'request_changes'), 0);

      await reason.fill('Joignez la délibération qui autorise ce traitement.');
      await page.getByRole('button', { name: 'Demander des modifications' }).click();
      await page.waitForURL(`**/instruction/demandes/${long.requestId}`);
      assert.ok(await page.getByText('Les modifications sont demandées.').isVisible());
      await checkPage(page);

      // A refresh after the form shows the page again and sends nothing.
      const posts: string[] = [];
      page.on('request', (request) => {
        if (request.method() === 'POST') posts.push(request.url());
      });
      await page.reload();
      await checkPage(page);
      assert.deepEqual(posts, []);
      assert.equal(await eventCount(long.requestId, 'request_changes'), 1);

      // Revoking: a link to a confirmation page that says what stops; the reason is required there.
      await page.goto(`${platform.url}/instruction/demandes/${approved.requestId}`);
      await checkPage(page);
      await page.getByRole('link', { name: 'Révoquer l’habilitation…' }).click();
      await page.waitForURL(`**/instruction/demandes/${approved.requestId}/revoquer`);
      await checkPage(page);
      await shot(page, 'instruction-revocation-1280');
      assert.ok(await page.getByText(/perd immédiatement son accès à l’API Entreprise/).isVisible());
      await page.getByRole('button', { name: 'Révoquer l’habilitation' }).click();
      await page.waitForURL(`**/instruction/demandes/${approved.requestId}/revoquer`);
      assert.ok(await page.locator('#motif-revocation-erreur').isVisible());
      await checkPage(page);
      assert.equal(await eventCount(approved.requestId, 'revoke'), 0);
      await page.getByLabel(/Motif de la révocation/).fill('Usage non conforme aux conditions générales.');
      await page.getByRole('button', { name: 'Révoquer l’habilitation' }).click();
      await page.waitForURL(`**/instruction/demandes/${approved.requestId}`);
      assert.ok(await page.getByText('L’habilitation est révoquée.').isVisible());
      assert.ok(await page.getByText('Révoquée', { exact: true }).first().isVisible());
      await checkPage(page);
      assert.equal(await eventCount(approved.requestId, 'revoke'), 1);

      // The applicant answers with a longer legal basis: the page compares the two submissions.
      await fillAndSubmit(long.client, long.requestId, {
        ...form,
        project: {
          ...form.project,
          title: 'Vérification automatisée des pièces justificatives des marchés publics de la métropole',
        },
        legalBasis: {
          ...form.legalBasis,
          nature:
            'Délibération n° 2026-77 du conseil métropolitain du 3 novembre 2026 autorisant le traitement des pièces justificatives',
        },
      });

      // On a phone: the page itself never scrolls sideways (a wide table scrolls in its own box).
      await page.setViewportSize({ width: 375, height: 800 });
      await page.goto(`${platform.url}/instruction`);
      await checkPage(page);
      await shot(page, 'instruction-file-375');
      assert.equal((await overflow(page)).page, 0);
      await page.goto(`${platform.url}/instruction/demandes/${long.requestId}`);
      await checkPage(page);
      await shot(page, 'instruction-demande-375');
      assert.ok(await page.getByRole('table', { name: 'Champs modifiés' }).isVisible());
      assert.equal((await overflow(page)).page, 0);

      assertEveryPageChecked(page);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});
