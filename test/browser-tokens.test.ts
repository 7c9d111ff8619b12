import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { inflateSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { assertEveryPageChecked, checkPage, watchAccessibility } from './helpers/accessibility.ts';
import { GOOD_PASSWORD, newEmail, signUpAndActivate, SIRET } from './helpers/accounts.ts';
import { launchBrowser, recordProblems, signInThroughBrowser } from './helpers/browser.ts';
import {
  approvedTechnicalAccountRequest,
  approvedToken,
  introspect,
  providerCredentials,
} from './helpers/habilitations.ts';
import type { HttpClient } from './helpers/http-client.ts';
import { startTestPlatform, type TestPlatform } from './helpers/platform.ts';

let platform: TestPlatform;
let browser: Browser;
let email: string;
/** The same person through the JSON API: the requests are made and approved there, the browser shows the rest. */
let api: HttpClient;

before(async () => {
  platform = await startTestPlatform();
  browser = await launchBrowser();
  ({ email, client: api } = await signUpAndActivate(platform, {
    siret: SIRET.commune,
    email: newEmail('saint-exemple.fr'),
  }));
});
after(async () => {
  await browser?.close();
  await platform?.stop();
});

/** The decompressed content streams of a PDF, where its text is. */
function pdfContents(pdf: Buffer): string {
  const text = pdf.toString('latin1');
  const parts: string[] = [];
  for (const match of text.matchAll(/stream\r?\n/g)) {
    const start = match.index + match[0].length;
    const end = text.indexOf('endstream', start);
    try {
      parts.push(inflateSync(pdf.subarray(start, end)).toString('latin1'));
    } catch {
      parts.push(text.slice(start, end));
    }
  }
  return parts.join('\n');
}

async function signedInPage(): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ locale: 'fr-FR', acceptDownloads: true });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: platform.url });
  const page = watchAccessibility(await context.newPage());
  // A form sent back with its errors answers 422, which the console reports: that one is expected.
  const problems = recordProblems(page, [422]);
  await signInThroughBrowser(page, platform.url, email, GOOD_PASSWORD);
  return { page, problems };
}

describe('in a real browser', () => {
  it('the holder reveals the token, copies it, then rotates it', async () => {
    const provider = await providerCredentials(platform, 'api-entreprise');
    const { habilitationId } = await approvedToken(platform, api, {
      definition: 'api-entreprise',
      scopes: ['unites_legales_etablissements'],
    });
    const habilitation = { id: habilitationId };
    const { page, problems } = await signedInPage();
    await checkPage(page);

    await page.getByRole('link', { name: 'Jetons' }).first().click();
    await page.waitForURL('**/jetons');
    await checkPage(page);
    await page.getByRole('link', { name: 'API Entreprise' }).click();
    await page.waitForURL(`**/jetons/${habilitation.id}`);
    assert.ok(await page.getByText('jamais utilisé').isVisible());
    // Last-use times are written in batches: the page says how far behind it may be, from the configuration.
    assert.ok(
      await page.getByText(/mise à jour (toutes les \d+ secondes|chaque seconde) environ/).isVisible(),
    );
    await checkPage(page);
    await page.getByRole('button', { name: 'Révéler le jeton' }).click();
    await page.getByRole('heading', { name: 'Votre jeton' }).waitFor();
    // Post/redirect/get: the secret is shown by a GET; the reveal's POST is not in the history to send again.
    assert.match(page.url(), new RegExp(`/jetons/${habilitation.id}/[0-9a-f-]{36}/revele$`));
    await checkPage(page);
    const token = await page.getByLabel('Jeton d’accès').inputValue();
    assert.match(token, /^sesame_[0-9A-Za-z]{38}$/);
    await page.getByRole('button', { name: 'Copier le jeton' }).click();
    await page.getByRole('button', { name: 'Jeton copié' }).waitFor();
    assert.equal(await page.evaluate<string>('navigator.clipboard.readText()'), token);
    assert.equal((await introspect(platform, provider.basic, { token })).json.active, true);
    if (process.env.SCREENSHOTS_DIR)
      await page.screenshot({ path: `${process.env.SCREENSHOTS_DIR}/jeton-revele.png`, fullPage: true });

    // A refresh shows it no more: back on the habilitation's page, saying why.
    await page.reload();
    await page.waitForURL(`**/jetons/${habilitation.id}`);
    await page.getByText('Un jeton ne s’affiche qu’une fois').waitFor();
    await checkPage(page);
    // Shown once: back on the habilitation's page, its prefix, neither the token nor a way to see it again.
    const [listed] = (await api.get(`/api/v1/habilitations/${habilitation.id}`)).json.tokens as {
      id: string;
      prefix: string;
    }[];
    assert.ok(token.startsWith(listed!.prefix));
    const shown = await page.content();
    assert.ok(shown.includes(listed!.prefix), 'the page shows the token’s prefix');
    assert.ok(!shown.includes(token), 'not the token itself');
    assert.equal(await page.getByRole('button', { name: 'Révéler le jeton' }).count(), 0, 'shown once only');
    const again = await api.send('POST', `/api/v1/tokens/${listed!.id}/reveal`);
    assert.equal(again.status, 410, 'nor through the API');
    await page.getByLabel('Période de transition').selectOption('0');
    await page.getByRole('button', { name: 'Générer un nouveau jeton' }).click();
    await page.getByText('Un nouveau jeton remplace l’ancien').waitFor();
    await checkPage(page);
    await page.getByRole('button', { name: 'Révéler le jeton' }).click();
    await page.getByRole('heading', { name: 'Votre jeton' }).waitFor();
    const fresh = await page.getByLabel('Jeton d’accès').inputValue();
    assert.notEqual(fresh, token);
    assert.equal((await introspect(platform, provider.basic, { token: fresh })).json.active, true);
    assert.equal((await introspect(platform, provider.basic, { token })).json.active, false);
    await page.getByRole('link', { name: 'J’ai enregistré le jeton' }).click();
    await page.waitForURL(`**/jetons/${habilitation.id}`);

    // Revoking asks first, naming the token: cancelling keeps it working.
    const current = (
      (await api.get(`/api/v1/habilitations/${habilitation.id}`)).json.tokens as {
        id: string;
        prefix: string;
      }[]
    ).find((candidate) => fresh.startsWith(candidate.prefix))!;
    await page
      .getByRole('region', { name: new RegExp(current.prefix) })
      .getByRole('link', { name: 'Révoquer ce jeton' })
      .click();
    await page
      .getByRole('heading', { name: `Révoquer le jeton ${current.prefix}… de l’API Entreprise ?` })
      .waitFor();
    await checkPage(page);
    await page.getByRole('link', { name: 'Annuler' }).click();
    await page.waitForURL(`**/jetons/${habilitation.id}`);
    assert.equal((await introspect(platform, provider.basic, { token: fresh })).json.active, true, 'kept');
    await page
      .getByRole('region', { name: new RegExp(current.prefix) })
      .getByRole('link', { name: 'Révoquer ce jeton' })
      .click();
    await page.getByRole('button', { name: 'Révoquer le jeton' }).click();
    await page.waitForURL(`**/jetons/${habilitation.id}`);
    await page.getByText('Le jeton est révoqué').waitFor();
    await checkPage(page);
    assert.equal(
      (await introspect(platform, provider.basic, { token: fresh })).json.active,
      false,
      'revoked',
    );
    // A revoked token reads the same on its page and on the dashboard (the dashboard had it grey).
    const onTokenPage = page
      .getByRole('region', { name: new RegExp(current.prefix) })
      .locator('.fr-badge')
      .first();
    assert.equal((await onTokenPage.textContent())?.trim(), 'Révoqué');
    assert.match((await onTokenPage.getAttribute('class')) ?? '', /fr-badge--error/);
    await page.goto(`${platform.url}/tableau-de-bord`);
    const onDashboard = page.locator('p', { hasText: current.prefix }).locator('.fr-badge');
    assert.equal((await onDashboard.textContent())?.trim(), 'Révoqué');
    assert.match((await onDashboard.getAttribute('class')) ?? '', /fr-badge--error/);
    await checkPage(page);
    assert.deepEqual(problems, []);
    assertEveryPageChecked(page);
    await page.context().close();
  });

  it('the main manager creates a technical account, exports the PDF, then resets the password', async () => {
    await approvedTechnicalAccountRequest(platform, api, { scopes: ['factures_depot'] });
    const { page, problems } = await signedInPage();
    await checkPage(page);
    await page.goto(`${platform.url}/organisations/${SIRET.commune}`);
    await checkPage(page);
    await page.getByRole('link', { name: 'Comptes techniques de la structure' }).click();
    await page.waitForURL('**/comptes-techniques');
    await checkPage(page);
    await page.getByRole('button', { name: 'Créer un compte technique' }).click();
    await page.getByRole('heading', { name: 'Compte technique créé' }).waitFor();
    await checkPage(page);
    const login = (await page.locator('#identifiant').textContent())!;
    const password = await page.getByLabel('Mot de passe').inputValue();
    assert.match(login, new RegExp(`^TECH_${SIRET.commune}_1$`));
    assert.ok(password.length >= 22);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Exporter les informations de connexion' }).click(),
    ]);
    assert.equal(download.suggestedFilename(), `informations-de-connexion-${login}.pdf`);
    const pdf = await readFile((await download.path())!);
    assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
    // pdf-lib compresses page contents and writes standard-font text as hex strings.
    const contents = pdfContents(pdf).toUpperCase();
    const hex = (text: string) => Buffer.from(text, 'latin1').toString('hex').toUpperCase();
    for (const text of [
      password,
      login,
      SIRET.commune,
      'API Chorus Pro',
      'https://communaute.chorus-pro.gouv.fr',
    ])
      assert.ok(contents.includes(hex(text)), `the PDF shows ${text}`);
    assert.ok(contents.includes(hex(new URL(platform.url).host)), 'and the platform’s address');

    // Post/redirect/get: a refresh neither shows the password again nor creates a second account.
    await page.reload();
    await page.waitForURL('**/comptes-techniques');
    await page.getByText('ne s’affiche qu’une fois').waitFor();
    await checkPage(page);
    assert.equal(await page.getByRole('cell', { name: /^TECH_/ }).count(), 1, 'one account, not two');
    assert.ok(await page.getByText('Pas encore utilisé').isVisible());
    assert.ok(
      await page.getByText(/mise à jour (toutes les \d+ secondes|chaque seconde) environ/).isVisible(),
    );
    await page.getByRole('link', { name: 'Réinitialiser le mot de passe' }).click();
    await page.getByRole('heading', { name: 'Confirmation de réinitialisation du mot de passe' }).waitFor();
    await checkPage(page);
    await page.getByRole('button', { name: 'Confirmer' }).click();
    await page.getByRole('alert').filter({ hasText: 'Confirmez la réinitialisation' }).waitFor();
    await checkPage(page);
    // DSFR draws its own box over the native checkbox: a person clicks the label.
    await page.getByText('Je comprends que l’ancien mot de passe cessera aussitôt de fonctionner').click();
    await page.getByRole('button', { name: 'Confirmer' }).click();
    await page.getByRole('heading', { name: 'Récapitulatif de réinitialisation du mot de passe' }).waitFor();
    await checkPage(page);
    const fresh = await page.getByLabel('Mot de passe').inputValue();
    assert.notEqual(fresh, password);
    // Its effect, as the account signs in to an API: the new password works, the old one no longer does.
    const chorus = await providerCredentials(platform, 'chorus-pro');
    const signsIn = async (secret: string) =>
      (
        await introspect(platform, chorus.basic, {
          token: Buffer.from(`${login}:${secret}`).toString('base64'),
          token_type_hint: 'basic_credentials',
        })
      ).json.active as boolean;
    assert.equal(await signsIn(fresh), true, 'the new password works');
    assert.equal(await signsIn(password), false, 'the old password no longer does');
    const [again] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Exporter les informations de connexion' }).click(),
    ]);
    assert.equal(again.suggestedFilename(), `informations-de-connexion-${login}.pdf`);
    if (process.env.SCREENSHOTS_DIR)
      await page.screenshot({ path: `${process.env.SCREENSHOTS_DIR}/compte-technique.png`, fullPage: true });
    await page.reload();
    await page.waitForURL('**/comptes-techniques');
    assert.equal(await signsIn(fresh), true, 'a refresh does not reset the password again');

    // Deleting asks first, naming the account: cancelling keeps it, confirming deletes it.
    await page.getByRole('link', { name: `Supprimer ${login}` }).click();
    await page.getByRole('heading', { name: `Supprimer le compte technique ${login} ?` }).waitFor();
    await checkPage(page);
    await page.getByRole('link', { name: 'Annuler' }).click();
    await page.waitForURL('**/comptes-techniques');
    assert.equal(await signsIn(fresh), true, 'cancelled: the account still works');
    await page.getByRole('link', { name: `Supprimer ${login}` }).click();
    await page.getByRole('button', { name: `Supprimer ${login}` }).click();
    await page.waitForURL('**/comptes-techniques');
    await page.getByText('Le compte technique est supprimé').waitFor();
    await checkPage(page);
    assert.equal(await signsIn(fresh), false, 'deleted: its credentials no longer work');
    assert.deepEqual(problems, []);
    assertEveryPageChecked(page);
    await page.context().close();
  });
});
