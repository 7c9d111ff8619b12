import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newEmail, signUpAndActivate, SIRET } from './helpers/accounts.ts';
import { csrfTokenOf } from './helpers/http-client.ts';
import { DEMO_PASSWORD, startTestPlatform, type TestPlatform } from './helpers/platform.ts';

let platform: TestPlatform;

before(async () => {
  platform = await startTestPlatform();
});
after(async () => {
  await platform.stop();
});

describe('a person in several organisations', () => {
  it('lists them with roles and status, and switches the one they act for', async () => {
    const companyManager = await signUpAndActivate(platform, {
      siret: SIRET.company,
      email: newEmail('fictivia.fr'),
    });
    const { client } = await signUpAndActivate(platform, {
      siret: SIRET.commune,
      email: newEmail('saint-exemple.fr'),
    });
    // A second organisation, through an invitation code of the company's main manager.
    const invitation = await companyManager.client.send(
      'POST',
      `/api/v1/organisations/${SIRET.company}/invitations`,
      { count: 1, roles: ['lecteur'] },
    );
    assert.equal(invitation.status, 201, invitation.text);
    const redeemed = await client.send('POST', '/api/v1/invitations/redeem', {
      code: invitation.json.codes[0].code,
    });
    assert.equal(redeemed.status, 200, redeemed.text);

    const me = await client.get('/api/v1/me');
    assert.deepEqual(
      me.json.memberships.map(
        (membership: { organisation: { siret: string }; roles: string[]; current: boolean }) => [
          membership.organisation.siret,
          membership.roles,
          membership.current,
        ],
      ),
      [
        [SIRET.commune, ['gestionnaire_principal'], true],
        [SIRET.company, ['lecteur'], false],
      ],
    );

    const switched = await client.send('PUT', '/api/v1/me/current-organisation', { siret: SIRET.company });
    assert.equal(switched.status, 200);
    assert.deepEqual(switched.json, { siret: SIRET.company, name: 'FICTIVIA CONSEIL' });
    assert.equal((await client.get('/api/v1/me')).json.currentOrganisation.siret, SIRET.company);

    const notMine = await client.send('PUT', '/api/v1/me/current-organisation', { siret: SIRET.hospital });
    assert.equal(notMine.status, 404);
    const malformed = await client.send('PUT', '/api/v1/me/current-organisation', { siret: '123' });
    assert.equal(malformed.status, 422);
    const missing = await client.send('PUT', '/api/v1/me/current-organisation', {});
    assert.equal(missing.status, 422);

    // The same from the account page.
    const page = await client.get('/compte');
    assert.equal(page.status, 200);
    assert.match(page.text, /FICTIVIA CONSEIL/);
    assert.match(page.text, /Lecteur/);
    const back = await client.postForm('/compte/organisation-courante', {
      _csrf: csrfTokenOf(page.text),
      siret: SIRET.commune,
    });
    assert.equal(back.status, 303);
    // A tampered SIRET goes back to the account page with the reason, not to an error page.
    for (const siret of ['123', '', 'x'.repeat(500)]) {
      const tampered = await client.postForm('/compte/organisation-courante', {
        _csrf: csrfTokenOf((await client.get('/compte')).text),
        siret,
      });
      assert.equal(tampered.status, 303, siret);
      assert.equal(tampered.headers.get('location'), '/compte');
      assert.match(
        (await client.get('/compte')).text,
        /fr-alert--error[^]*?Le numéro SIRET (doit comporter 14 chiffres|est obligatoire)/,
      );
    }
    const dashboard = await client.get('/tableau-de-bord');
    assert.match(dashboard.text, /COMMUNE DE SAINT-EXEMPLE-SUR-LOIRE/);
    assert.match(dashboard.text, /Organisation éligible/);
  });
});

describe('an organisation’s page', () => {
  it('shows directory facts and eligibility to members and staff, and does not exist for others', async () => {
    const member = await signUpAndActivate(platform, {
      siret: SIRET.laPosteBranch,
      email: newEmail('laposte.fr'),
    });
    const api = await member.client.get(`/api/v1/organisations/${SIRET.laPosteBranch}`);
    assert.equal(api.status, 200);
    assert.equal(api.json.name, 'LA POSTE');
    assert.equal(api.json.eligibility.status, 'to_review');
    assert.match(api.json.eligibility.reason, /vérifiée par l’instructeur/);
    const page = await member.client.get(`/organisations/${SIRET.laPosteBranch}`);
    assert.equal(page.status, 200);
    assert.match(page.text, /Éligibilité à vérifier/);

    const stranger = await signUpAndActivate(platform, {
      siret: SIRET.region,
      email: newEmail('val-de-fiction.fr'),
    });
    assert.equal((await stranger.client.get(`/api/v1/organisations/${SIRET.laPosteBranch}`)).status, 404);
    assert.equal((await stranger.client.get(`/organisations/${SIRET.laPosteBranch}`)).status, 404);
    assert.equal((await stranger.client.get('/api/v1/organisations/00000000000000')).status, 404);
    assert.equal((await stranger.client.get('/api/v1/organisations/pas-un-siret')).status, 404);

    const support = platform.client();
    await support.signIn('support@sesame.test', DEMO_PASSWORD);
    assert.equal((await support.get(`/api/v1/organisations/${SIRET.laPosteBranch}`)).status, 200);
    assert.equal((await platform.client().get(`/api/v1/organisations/${SIRET.laPosteBranch}`)).status, 401);
  });
});

describe('the account page', () => {
  it('answers each of its two forms with a 303, the refused one’s errors shown once on the next page', async () => {
    const { client } = await signUpAndActivate(platform, {
      siret: SIRET.commune,
      email: newEmail('saint-exemple.fr'),
    });
    const page = await client.get('/compte');
    const csrf = csrfTokenOf(page.text);

    const emptyName = await client.postForm('/compte/profil', {
      _csrf: csrf,
      givenName: '',
      familyName: 'Ülker',
    });
    assert.equal(emptyName.status, 303);
    assert.equal(emptyName.headers.get('location'), '/compte');
    const withError = await client.get('/compte');
    assert.equal(withError.status, 422);
    assert.match(withError.text, /id="givenName-erreur"/);
    assert.match(withError.text, /value="Ülker"/, 'what was typed stays');
    assert.doesNotMatch(withError.text, /id="currentPassword-erreur"/, 'the other form is untouched');
    assert.equal((await client.get('/compte')).status, 200, 'shown once');

    const wrongPassword = await client.postForm('/compte/mot-de-passe', {
      _csrf: csrf,
      currentPassword: 'pas le bon mot de passe',
      newPassword: 'une toute nouvelle phrase de passe',
    });
    assert.equal(wrongPassword.status, 303);
    const passwordPage = await client.get('/compte');
    assert.match(
      passwordPage.text,
      /id="currentPassword-erreur"[^>]*>[^<]*Le mot de passe actuel est incorrect/,
    );
    assert.doesNotMatch(passwordPage.text, /pas le bon mot de passe/, 'a password is never shown back');

    const renamed = await client.postForm('/compte/profil', {
      _csrf: csrf,
      givenName: 'Aïcha',
      familyName: 'Ülker',
    });
    assert.equal(renamed.status, 303);
    assert.match((await client.get('/compte')).text, /Votre profil a été mis à jour/);
  });
});
