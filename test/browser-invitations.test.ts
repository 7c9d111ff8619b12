import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { GOOD_PASSWORD, newEmail, signUpAndActivate, SIRET } from './helpers/accounts.ts';
import { assertEveryPageChecked, checkPage, watchAccessibility } from './helpers/accessibility.ts';
import { launchBrowser, recordProblems, screenshotIfAsked, signInThroughBrowser } from './helpers/browser.ts';
import { createPerson } from './helpers/people.ts';
import { startTestPlatform, type TestPlatform } from './helpers/platform.ts';

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

/** A browser of its own, signed in through the sign-in page, that records console and CSP errors. */
async function signedInPage(
  email: string,
): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ locale: 'fr-FR' });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: platform.url });
  const page = watchAccessibility(await context.newPage());
  // Refusals on purpose (a bad role choice, a malformed or used code) answer 422 and 409; anything else is a problem.
  const problems = recordProblems(page, [422, 409]);
  await signInThroughBrowser(page, platform.url, email, GOOD_PASSWORD);
  return { context, page, problems };
}

describe('in a real browser, inviting people with codes', () => {
  it('an administrator creates and copies codes, a colleague redeems one, another is deactivated', async () => {
    const admin = await signUpAndActivate(platform, {
      siret: SIRET.department,
      givenName: 'Léa',
      familyName: 'Rousseau',
      email: newEmail('loire-exemplaire.fr', 'lea'),
    });
    const { page, problems } = await signedInPage(admin.email);

    await page.getByRole('link', { name: 'DEPARTEMENT DE LA LOIRE-EXEMPLAIRE' }).first().click();
    await page.waitForURL(`**/organisations/${SIRET.department}`);
    await checkPage(page);
    assert.ok(await page.getByText('Léa Rousseau a inscrit l’organisation sur Sésame').isVisible());
    await page.getByRole('link', { name: 'Codes d’invitation' }).click();
    await page.waitForURL('**/codes-invitation');
    await checkPage(page);
    await page.getByRole('link', { name: 'Créer des codes d’invitation' }).click();
    await page.waitForURL('**/codes-invitation/creer');
    await checkPage(page);

    // A first try combining the exclusive reader role: the form says so and keeps the choices.
    await page.getByLabel('Nombre de codes d’invitation').fill('4');
    await page.getByLabel('Validité, en jours').fill('7');
    await page.locator('label[for=role-lecteur]').click();
    await page.locator('label[for=role-demandeur]').click();
    await page.getByRole('button', { name: 'Créer les codes d’invitation' }).click();
    await page
      .getByText(/« Lecteur » est exclusif/)
      .first()
      .waitFor();
    await checkPage(page);
    assert.equal(await page.getByLabel(/^Demandeur/).isChecked(), true);
    assert.equal(await page.getByLabel('Nombre de codes d’invitation').inputValue(), '4');
    await page.locator('label[for=role-lecteur]').click();
    await page.getByRole('button', { name: 'Créer les codes d’invitation' }).click();
    await page.waitForURL('**/codes-invitation/crees');
    assert.ok(await page.getByRole('heading', { name: 'Codes d’invitation créés' }).isVisible());
    await checkPage(page);

    const codes = (await page.locator('.sesame-codes__code').allTextContents()).map((text) => text.trim());
    assert.equal(codes.length, 4);
    for (const code of codes)
      assert.match(code, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    await shot(page, 'codes-invitation-crees');

    await page.getByRole('button', { name: 'Copier le code' }).nth(1).click();
    await page.getByText('Code copié dans le presse-papiers').waitFor();
    const one = await page.evaluate<string>('navigator.clipboard.readText()');
    assert.match(one, new RegExp(`^Code d’invitation : ${codes[1]}\n`));
    assert.match(one, /Organisation : DEPARTEMENT DE LA LOIRE-EXEMPLAIRE \(SIRET 22450605500017\)/);
    assert.match(one, /Valable jusqu’au \d{1,2} \S+ \d{4} à \d{2}:\d{2}/);
    assert.ok(!one.includes(codes[0]!) && !one.includes(codes[2]!));

    await page.getByRole('button', { name: 'Copier tous les codes' }).click();
    await page.getByText('Tous les codes sont copiés').waitFor();
    const all = await page.evaluate<string>('navigator.clipboard.readText()');
    for (const code of codes) assert.ok(all.includes(code), 'every code is copied');
    assert.match(all, /DEPARTEMENT DE LA LOIRE-EXEMPLAIRE/);
    assert.match(all, /Valable jusqu’au/);

    // Post/redirect/get: a refresh creates no more codes and shows these no more.
    await page.reload();
    await page.waitForURL('**/codes-invitation');
    await page.getByText('ne s’affichent en entier qu’une fois').waitFor();
    await checkPage(page);
    assert.equal(await page.locator('tbody tr').count(), 4, 'four codes, not eight');
    assert.ok(!(await page.content()).includes(codes[1]!), 'the list shows codes masked');

    // A colleague, signed in elsewhere, redeems the first code.
    const colleague = await createPerson(platform, { givenName: 'Jérôme', familyName: 'Ängström' });
    const other = await signedInPage(colleague.email);
    await other.page.getByRole('link', { name: 'Code d’invitation', exact: true }).first().click();
    await other.page.waitForURL('**/invitations/utiliser');
    await checkPage(other.page);
    await other.page.getByLabel('Code d’invitation').fill('pas un code');
    await other.page.getByRole('button', { name: 'Utiliser le code' }).click();
    await other.page
      .getByText(/n’a pas le bon format/)
      .first()
      .waitFor();
    await checkPage(other.page);
    await other.page.getByLabel('Code d’invitation').fill(codes[0]!);
    await other.page.getByRole('button', { name: 'Utiliser le code' }).click();
    await other.page.waitForURL(`**/organisations/${SIRET.department}`);
    await checkPage(other.page);
    assert.ok(
      await other.page
        .getByText('Vous avez rejoint DEPARTEMENT DE LA LOIRE-EXEMPLAIRE, avec les rôles : Demandeur.')
        .isVisible(),
    );
    assert.ok(
      await other.page.getByText(/Jérôme Ängström a rejoint l’organisation grâce à un code/).isVisible(),
    );
    await shot(other.page, 'organisation-fil');
    // Used: the same code cannot serve twice.
    await other.page.goto(`${platform.url}/invitations/utiliser`);
    await other.page.getByLabel('Code d’invitation').fill(codes[0]!);
    await other.page.getByRole('button', { name: 'Utiliser le code' }).click();
    await other.page.getByText(/déjà été utilisé/).waitFor();
    await checkPage(other.page);
    assertEveryPageChecked(other.page);
    await other.context.close();

    // The administrator sees the colleague in the member list, with the granted role and their sign-in.
    await page.goto(`${platform.url}/organisations/${SIRET.department}/membres`);
    await checkPage(page);
    const row = page.getByRole('row').filter({ hasText: colleague.email });
    assert.match((await row.textContent()) ?? '', /Jérôme Ängström/);
    assert.match((await row.textContent()) ?? '', /Demandeur/);
    assert.match((await row.textContent()) ?? '', /Code d’invitation/);
    assert.match((await row.textContent()) ?? '', /\d{1,2} \S+ \d{4} à \d{2}:\d{2}/, 'signed in just now');
    // The main manager's boxes show the roles they hold, ticked, and cannot be unticked: the role is handed over.
    const managerRow = page.getByRole('row').filter({ hasText: admin.email });
    assert.match(
      (await managerRow.textContent()) ?? '',
      /\d{1,2} \S+ \d{4} à \d{2}:\d{2}/,
      'activation signed her in',
    );
    for (const role of ['Gestionnaire principal', 'Administrateur', 'Demandeur']) {
      const box = managerRow.getByLabel(role, { exact: true });
      assert.equal(await box.isChecked(), true, `${role} ticked`);
      assert.equal(await box.isDisabled(), true, `${role} not changed here`);
    }
    assert.equal(await managerRow.getByLabel('Lecteur', { exact: true }).isChecked(), false);
    assert.equal(await row.getByLabel('Demandeur', { exact: true }).isChecked(), true);
    assert.equal(await row.getByLabel('Administrateur', { exact: true }).isChecked(), false);
    await shot(page, 'membres');

    // Removing a member asks first, naming them: cancelling keeps them, confirming removes them.
    await row.getByRole('link', { name: 'Retirer Jérôme Ängström' }).click();
    await page
      .getByRole('heading', { name: 'Retirer Jérôme Ängström de DEPARTEMENT DE LA LOIRE-EXEMPLAIRE ?' })
      .waitFor();
    await checkPage(page);
    await page.getByRole('link', { name: 'Annuler' }).click();
    await page.waitForURL('**/membres');
    assert.equal(
      await page.getByRole('row').filter({ hasText: colleague.email }).count(),
      1,
      'still a member',
    );
    await row.getByRole('link', { name: 'Retirer Jérôme Ängström' }).click();
    await page.getByRole('button', { name: 'Retirer Jérôme Ängström' }).click();
    await page.waitForURL('**/membres');
    await page.getByText('Le membre a été retiré de l’organisation.').waitFor();
    await checkPage(page);
    assert.equal(await page.getByRole('row').filter({ hasText: colleague.email }).count(), 0, 'removed');

    // Deactivating one code asks first, naming it: cancelling keeps it valid.
    await page.goto(`${platform.url}/organisations/${SIRET.department}/codes-invitation`);
    const masked = (code: string) => `••••••••-••••-••••-••••-••••••••${code.slice(-4)}`;
    const last4 = codes[2]!.slice(-4);
    await page.getByRole('link', { name: `Désactiver le code se terminant par ${last4}` }).click();
    await page
      .getByRole('heading', { name: `Désactiver le code d’invitation ${masked(codes[2]!)} ?` })
      .waitFor();
    await checkPage(page);
    await page.getByRole('link', { name: 'Annuler' }).click();
    await page.waitForURL('**/codes-invitation');
    assert.match((await page.getByRole('row').filter({ hasText: last4 }).textContent()) ?? '', /Valable/);
    await page.getByRole('link', { name: `Désactiver le code se terminant par ${last4}` }).click();
    await page.getByRole('button', { name: 'Désactiver le code' }).click();
    await page.waitForURL('**/codes-invitation');
    assert.ok(await page.getByText(/est désactivé : il ne peut plus être utilisé/).isVisible());
    await checkPage(page);
    const deactivatedRow = page.getByRole('row').filter({ hasText: last4 });
    assert.match((await deactivatedRow.textContent()) ?? '', /Désactivé/);
    const usedRow = page.getByRole('row').filter({ hasText: codes[0]!.slice(-4) });
    assert.match((await usedRow.textContent()) ?? '', /Utilisé/);
    assert.match((await usedRow.textContent()) ?? '', /Jérôme Ängström/);

    // Several at once: the ticked boxes lead to one confirmation naming each code.
    for (const code of [codes[1]!, codes[3]!])
      // DSFR draws the box over the native checkbox, which a person ticks through its label.
      await page.getByLabel(`Choisir le code se terminant par ${code.slice(-4)}`).check({ force: true });
    await page.getByRole('button', { name: 'Désactiver les codes choisis' }).click();
    await page.getByRole('heading', { name: /Désactiver 2 codes d’invitation/ }).waitFor();
    await checkPage(page);
    for (const code of [codes[1]!, codes[3]!]) assert.ok(await page.getByText(masked(code)).isVisible());
    await page.getByRole('button', { name: 'Désactiver les 2 codes' }).click();
    await page.waitForURL('**/codes-invitation');
    await page.getByText('Les 2 codes sont désactivés').waitFor();
    await page.getByLabel('Statut').selectOption('deactivated');
    await page.getByRole('button', { name: 'Filtrer' }).click();
    await page.waitForURL('**/codes-invitation?status=deactivated');
    await checkPage(page);
    assert.equal(await page.locator('tbody tr').count(), 3);
    await shot(page, 'codes-invitation-liste');

    assert.deepEqual([...problems, ...other.problems], []);
    assertEveryPageChecked(page);
  });
});
