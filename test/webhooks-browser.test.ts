import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { newEmail, signUpAndActivate, SIRET } from './helpers/accounts.ts';
import { assertEveryPageChecked, checkPage, watchAccessibility } from './helpers/accessibility.ts';
import { launchBrowser } from './helpers/browser.ts';
import { approvedRequest } from './helpers/habilitations.ts';
import { DEMO_PASSWORD, eventually, startTestPlatform, type TestPlatform } from './helpers/platform.ts';
import { signInStaff } from './helpers/requests.ts';
import { WebhookReceiver } from './helpers/webhook-receiver.ts';

let platform: TestPlatform;
let browser: Browser;
let target: WebhookReceiver;

before(async () => {
  platform = await startTestPlatform({
    env: { WEBHOOK_ALLOW_LOCAL_HTTP: 'true', WEBHOOK_RETRY_SCHEDULE: '0,300ms,300ms', WEBHOOK_TIMEOUT: '2s' },
  });
  browser = await launchBrowser();
  target = await WebhookReceiver.start();
});
after(async () => {
  await target?.stop();
  await browser?.close();
  await platform?.stop();
});

describe('a developer in a real browser', () => {
  it('adds an endpoint, sees the test event, sees an approval’s delivery and replays it', async () => {
    const developer = await signInStaff(
      platform,
      [{ role: 'developpeur', definition: 'api-entreprise' }],
      'dev',
    );
    const page = watchAccessibility(await (await browser.newContext({ locale: 'fr-FR' })).newPage());
    await page.goto(`${platform.url}/connexion`);
    await checkPage(page);
    await page.getByLabel('Adresse électronique').fill(developer.email);
    await page.getByLabel('Mot de passe', { exact: true }).fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL('**/tableau-de-bord');
    await checkPage(page);

    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.waitForURL('**/developpeurs/api-entreprise/webhooks');
    await checkPage(page);
    // A private address first: refused, with the reason on the field.
    await page.getByLabel('Adresse de réception').fill('http://10.0.0.8/webhooks');
    await page.getByRole('button', { name: 'Ajouter le webhook' }).click();
    assert.match(await page.locator('#url-erreur').innerText(), /réseau privé/);
    assert.equal(await page.getByLabel('Adresse de réception').inputValue(), 'http://10.0.0.8/webhooks');
    await checkPage(page);

    await page.getByLabel('Adresse de réception').fill(target.url);
    await page.getByRole('button', { name: 'Ajouter le webhook' }).click();
    const secret = await page.getByLabel('Secret de signature').inputValue();
    assert.match(secret, /^whsec_/);
    await checkPage(page);
    target.secrets = [secret];
    // Post/redirect/get: a refresh adds no second endpoint and shows the secret no more.
    await page.reload();
    await page.getByText('Le secret de signature ne s’affiche qu’une fois').waitFor();
    assert.ok(!(await page.content()).includes(secret));
    await checkPage(page);
    await page.getByRole('link', { name: 'Webhooks' }).first().click();
    await page.waitForURL('**/developpeurs/api-entreprise/webhooks');
    assert.equal(await page.locator('tbody tr').count(), 1, 'one endpoint, not two');
    assert.equal(
      await page.locator('tbody tr td code').first().innerText(),
      target.url,
      'the « Adresse » column shows where the events go, not the page',
    );
    await page.locator('tbody tr a').first().click();
    await eventually(async () => {
      await page.reload();
      // Badges are shown in capitals (CSS): the text is compared without case.
      const text = await page.locator('tbody').innerText();
      return text.includes('webhook.test') && /livré/i.test(text) ? true : undefined;
    });
    assert.ok(!(await page.content()).includes(secret), 'the secret is not shown again');
    await checkPage(page);

    const { client: applicant } = await signUpAndActivate(platform, {
      siret: SIRET.commune,
      email: newEmail('saint-exemple.fr'),
    });
    const { requestId } = await approvedRequest(platform, applicant, { definition: 'api-entreprise' });
    const validated = await eventually(async () =>
      target.ofType('request.validated').find((delivery) => delivery.payload.data.request_id === requestId),
    );
    assert.deepEqual(validated.verifiedWith, [secret]);
    await page.reload();
    const row = page.locator('tr', { hasText: validated.id });
    assert.match(await row.innerText(), /request\.validated/);
    assert.match(await row.innerText(), /code 204/);

    const before = target.received.length;
    await row.getByRole('button', { name: /Renvoyer/ }).click();
    assert.match(await page.locator('.fr-alert, [role="alert"]').first().innerText(), /renvoyé/);
    await eventually(async () => (target.received.length > before ? true : undefined));
    assert.equal(target.received.at(-1)!.id, validated.id, 'the replay carries the same webhook-id');

    // A new secret: shown once, and both sign the next event for a day.
    await page.getByRole('button', { name: 'Remplacer le secret de signature' }).click();
    await page.getByRole('heading', { name: 'Nouveau secret de signature' }).waitFor();
    await checkPage(page);
    const newSecret = await page.getByLabel('Secret de signature').inputValue();
    assert.notEqual(newSecret, secret);
    target.secrets = [secret, newSecret];
    await page.getByRole('link', { name: 'Voir les livraisons' }).click();
    const count = target.received.length;
    await page.getByRole('button', { name: 'Envoyer un évènement de test' }).click();
    await eventually(async () => (target.received.length > count ? true : undefined));
    assert.deepEqual(target.received.at(-1)!.verifiedWith, [secret, newSecret]);

    // Disabled, then deleted after a confirmation.
    await page.getByRole('button', { name: 'Désactiver le webhook' }).click();
    assert.match(await page.locator('[role="status"]').first().innerText(), /désactivé/);
    await checkPage(page);
    // Deleting asks first, naming the address: cancelling keeps the endpoint.
    await page.getByRole('link', { name: 'Supprimer le webhook' }).click();
    await page.getByRole('heading', { name: `Supprimer le webhook ${target.url} ?` }).waitFor();
    await checkPage(page);
    await page.getByRole('link', { name: 'Annuler' }).click();
    await page.getByRole('link', { name: 'Supprimer le webhook' }).waitFor();
    await page.getByRole('link', { name: 'Supprimer le webhook' }).click();
    await page.getByRole('button', { name: 'Supprimer définitivement le webhook' }).click();
    await page.waitForURL('**/developpeurs/api-entreprise/webhooks');
    assert.match(await page.locator('tbody').innerText(), /Aucun webhook/);
    await checkPage(page);
    assertEveryPageChecked(page);
  });
});
