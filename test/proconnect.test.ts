import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GOOD_PASSWORD, SIRET } from './helpers/accounts.ts';
import { csrfTokenOf, type HttpAnswer, type HttpClient } from './helpers/http-client.ts';
import { createPerson } from './helpers/people.ts';
import type { TestPlatform } from './helpers/platform.ts';
import {
  authorizeAtProvider,
  newAgent,
  signInWithProConnect,
  startPlatformWithProConnect,
} from './helpers/proconnect.ts';
import type { LocalIdentityProvider } from '../runtime/local-identity-provider.ts';

let platform: TestPlatform;
let idp: LocalIdentityProvider;

before(async () => {
  ({ platform, idp } = await startPlatformWithProConnect());
});
after(async () => {
  await platform?.stop();
  await idp?.stop();
});

const accountsWithEmail = async (email: string) =>
  Number(
    (
      await platform.services.db.query<{ n: string }>('SELECT count(*) AS n FROM users WHERE email = $1', [
        email,
      ])
    ).rows[0]!.n,
  );

/** Whether the client is signed in: the dashboard answers, instead of sending it to the sign-in page. */
const signedIn = async (client: HttpClient) => (await client.get('/tableau-de-bord')).status === 200;

const membershipsOf = async (email: string) =>
  (
    await platform.services.db.query<{ siret: string; roles: string[]; status: string }>(
      `SELECT o.siret, m.roles, m.status FROM memberships m JOIN organisations o ON o.id = m.organisation_id
        JOIN users u ON u.id = m.user_id WHERE u.email = $1 ORDER BY m.created_at`,
      [email],
    )
  ).rows;

/** An attribute's value as a browser reads it (Handlebars writes `=` and `&` as entities). */
const attribute = (pattern: RegExp, html: string) =>
  pattern
    .exec(html)?.[1]
    ?.replace(/&#x3D;/g, '=')
    .replace(/&amp;/g, '&');

/** A refusal: its French page, no session, no account for the agent's address. */
async function assertRefused(
  client: HttpClient,
  answer: HttpAnswer,
  expected: { status: number; heading: RegExp; email: string },
) {
  assert.equal(answer.status, expected.status, answer.text.slice(0, 500));
  assert.match(answer.text, expected.heading);
  assert.match(answer.text, /Revenir à la page de connexion/);
  assert.equal(await signedIn(client), false, 'no session');
  assert.equal(await accountsWithEmail(expected.email), 0, 'no account');
}

describe('signing in with ProConnect', () => {
  it('creates the account of a new agent from the claims, with no activation email and no password, as main manager', async () => {
    const agent = newAgent(idp, { domain: 'val-fictif-les-bains.fr', siret: SIRET.otherCommune });
    const client = platform.client();
    const answer = await signInWithProConnect(client, idp, agent.login);
    assert.equal(answer.status, 302, answer.text);
    assert.equal(answer.headers.get('location'), '/tableau-de-bord');
    const dashboard = await client.get('/tableau-de-bord');
    assert.equal(dashboard.status, 200);
    assert.match(dashboard.text, /Votre compte Sésame est créé à partir de votre identité ProConnect/);
    assert.match(dashboard.text, /Vous êtes gestionnaire principal de COMMUNE DE VAL-FICTIF-LES-BAINS/);
    assert.deepEqual(await membershipsOf(agent.email), [
      { siret: SIRET.otherCommune, roles: ['gestionnaire_principal'], status: 'active' },
    ]);
    const { rows } = await platform.services.db.query<{ password_hash: string | null }>(
      'SELECT password_hash FROM users WHERE email = $1',
      [agent.email],
    );
    assert.equal(rows[0]!.password_hash, null);
    const mails = await platform.services.db.query('SELECT 1 FROM outbox_emails WHERE recipient = $1', [
      agent.email,
    ]);
    assert.equal(mails.rowCount, 0, 'no activation email');
  });
});

describe('a ProConnect-only account', () => {
  it('cannot sign in with a password, is offered no password reset nor password change', async () => {
    const agent = newAgent(idp);
    const client = platform.client();
    assert.equal((await signInWithProConnect(client, idp, agent.login)).status, 302);

    const visitor = platform.client();
    const byPassword = await visitor.signInThroughPage(agent.email, GOOD_PASSWORD);
    assert.equal(byPassword.headers.get('location'), '/connexion', 'back to the sign-in form');
    const refused = await visitor.get('/connexion');
    assert.equal(refused.status, 401);
    assert.match(refused.text, /Adresse électronique ou mot de passe incorrect/);

    const anonymous = platform.client();
    const form = await anonymous.get('/mot-de-passe/oublie');
    const reset = await anonymous.postForm('/mot-de-passe/oublie', {
      _csrf: csrfTokenOf(form.text),
      email: agent.email,
    });
    assert.equal(reset.status, 303);
    const mails = await platform.services.db.query('SELECT 1 FROM outbox_emails WHERE recipient = $1', [
      agent.email,
    ]);
    assert.equal(mails.rowCount, 0, 'no reset link is sent');

    const account = await client.get('/compte');
    assert.match(account.text, /Vous vous connectez avec ProConnect/);
    assert.doesNotMatch(account.text, /Changer de mot de passe/);
  });
});

describe('a later ProConnect sign-in', () => {
  it('finds the account by its subject, and attaches the organisation of another SIRET too', async () => {
    const agent = newAgent(idp, { domain: 'sdis-loire-exemplaire.fr', siret: '28451355300016' });
    assert.equal((await signInWithProConnect(platform.client(), idp, agent.login)).status, 302);
    idp.addAgent({ ...agent, siret: '24456750900017' });
    const client = platform.client();
    assert.equal((await signInWithProConnect(client, idp, agent.login)).status, 302);
    assert.equal(await accountsWithEmail(agent.email), 1);
    assert.deepEqual(await membershipsOf(agent.email), [
      { siret: '28451355300016', roles: ['gestionnaire_principal'], status: 'active' },
      { siret: '24456750900017', roles: ['gestionnaire_principal'], status: 'active' },
    ]);
    const dashboard = await client.get('/tableau-de-bord');
    assert.match(dashboard.text, /COMMUNAUTE DE COMMUNES DU PAYS DE SAINT-EXEMPLE/);
  });
});

describe('an email account at the address ProConnect gives', () => {
  it('is linked only after its owner gives its password', async () => {
    const person = await createPerson(platform, { domain: 'departement-loire-exemplaire.fr' });
    const agent = newAgent(idp, { email: person.email, siret: SIRET.department });
    const client = platform.client();
    const answer = await signInWithProConnect(client, idp, agent.login);
    assert.equal(answer.status, 302);
    assert.equal(answer.headers.get('location'), '/connexion/proconnect/lier');
    assert.equal(await signedIn(client), false, 'not signed in before the password');

    const page = await client.get('/connexion/proconnect/lier');
    assert.match(page.text, /Un compte Sésame\s+utilise déjà cette adresse/);
    // No password, or one longer than any password can be, is asked for again on its field (422), never tried.
    for (const password of ['', 'x'.repeat(1025)]) {
      const posted = await client.postForm('/connexion/proconnect/lier', {
        _csrf: csrfTokenOf(page.text),
        password,
      });
      assert.equal(posted.status, 303, `${password.length} characters`);
      const refused = await client.get('/connexion/proconnect/lier');
      assert.equal(refused.status, 422, `${password.length} characters`);
      assert.match(refused.text, /Saisissez le mot de passe de votre compte Sésame/);
      assert.equal(await signedIn(client), false);
    }
    const wrongPosted = await client.postForm('/connexion/proconnect/lier', {
      _csrf: csrfTokenOf(page.text),
      password: 'pas le bon mot de passe',
    });
    // Post/redirect/get: back to the linking page, which says why.
    assert.equal(wrongPosted.status, 303);
    assert.equal(wrongPosted.headers.get('location'), '/connexion/proconnect/lier');
    const wrong = await client.get('/connexion/proconnect/lier');
    assert.equal(wrong.status, 401);
    assert.match(wrong.text, /Ce mot de passe n’est pas celui de votre compte Sésame/);
    assert.equal(await signedIn(client), false);
    const identities = () =>
      platform.services.db.query('SELECT linked_via FROM proconnect_identities WHERE user_id = $1', [
        person.userId,
      ]);
    assert.equal((await identities()).rowCount, 0);

    const right = await client.postForm('/connexion/proconnect/lier', {
      _csrf: csrfTokenOf(wrong.text),
      password: GOOD_PASSWORD,
    });
    assert.equal(right.status, 302, right.text);
    const dashboard = await client.get('/tableau-de-bord');
    assert.equal(dashboard.status, 200);
    assert.match(dashboard.text, /Votre compte est désormais lié à ProConnect/);
    assert.deepEqual((await identities()).rows, [{ linked_via: 'password' }]);
    assert.equal(await accountsWithEmail(person.email), 1);

    // The next time, ProConnect alone opens it, and the password still works.
    const again = platform.client();
    assert.equal(
      (await signInWithProConnect(again, idp, agent.login)).headers.get('location'),
      '/tableau-de-bord',
    );
    assert.equal((await platform.client().signInThroughPage(person.email, GOOD_PASSWORD)).status, 303);
  });

  it('waiting for activation is not linked: the page says to activate it first', async () => {
    const client = platform.client();
    const email = `attente.${Date.now()}@loire-exemplaire.fr`;
    const created = await client.send('POST', '/api/v1/accounts', {
      givenName: 'Noa',
      familyName: 'Leroy',
      email,
      password: GOOD_PASSWORD,
      siret: SIRET.department,
    });
    assert.equal(created.status, 201, created.text);
    const agent = newAgent(idp, { email, siret: SIRET.department });
    const answer = await signInWithProConnect(client, idp, agent.login);
    assert.equal(answer.status, 409);
    assert.match(answer.text, /Compte en attente d’activation/);
    assert.equal(await signedIn(client), false);
  });
});

describe('bad answers end on a French page, with no session and no account', () => {
  it('a state that does not match', async () => {
    const agent = newAgent(idp);
    const client = platform.client();
    const callback = await authorizeAtProvider(client, idp, { login: agent.login });
    callback.searchParams.set('state', 'un-etat-qui-ne-correspond-pas');
    const answer = await client.get(`${callback.pathname}${callback.search}`);
    await assertRefused(client, answer, {
      status: 400,
      heading: /Connexion interrompue/,
      email: agent.email,
    });
  });

  it('an answer with no state, and a callback opened without any sign-in started', async () => {
    const agent = newAgent(idp);
    const client = platform.client();
    const callback = await authorizeAtProvider(client, idp, { login: agent.login });
    callback.searchParams.delete('state');
    const answer = await client.get(`${callback.pathname}${callback.search}`);
    await assertRefused(client, answer, {
      status: 400,
      heading: /Connexion interrompue/,
      email: agent.email,
    });
    const stranger = platform.client();
    await assertRefused(stranger, await stranger.get('/connexion/proconnect/retour?code=abc&state=def'), {
      status: 400,
      heading: /Connexion interrompue/,
      email: agent.email,
    });
  });

  it('a nonce that does not match', async () => {
    const agent = newAgent(idp);
    const client = platform.client();
    idp.tamperNextIdToken('nonce');
    const answer = await signInWithProConnect(client, idp, agent.login);
    await assertRefused(client, answer, {
      status: 502,
      heading: /Identité non vérifiée/,
      email: agent.email,
    });
  });

  it('an expired code', async () => {
    const agent = newAgent(idp);
    const client = platform.client();
    idp.setCodeTtlSeconds(1);
    try {
      const callback = await authorizeAtProvider(client, idp, { login: agent.login });
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      const answer = await client.get(`${callback.pathname}${callback.search}`);
      await assertRefused(client, answer, { status: 400, heading: /Connexion expirée/, email: agent.email });
    } finally {
      idp.setCodeTtlSeconds(60);
    }
  });

  it('a replayed code: in the same browser, and in another whose sign-in it was not', async () => {
    const agent = newAgent(idp, { domain: 'hopital-val-fictif.fr', siret: SIRET.hospital });
    const client = platform.client();
    const callback = await authorizeAtProvider(client, idp, { login: agent.login });
    const first = await client.get(`${callback.pathname}${callback.search}`);
    assert.equal(first.status, 302);
    await client.postForm('/deconnexion', { _csrf: csrfTokenOf((await client.get('/compte')).text) });
    const sameBrowser = await client.get(`${callback.pathname}${callback.search}`);
    assert.equal(sameBrowser.status, 400);
    assert.match(sameBrowser.text, /Connexion interrompue/);
    assert.equal(await signedIn(client), false);

    // Another browser starts its own sign-in, then presents the used code with its own state.
    const other = platform.client();
    const start = await other.get('/connexion/proconnect');
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    callback.searchParams.set('state', state);
    const replayed = await other.get(`${callback.pathname}${callback.search}`);
    assert.equal(replayed.status, 400);
    assert.match(replayed.text, /Connexion expirée/);
    assert.equal(await signedIn(other), false);
  });

  it('an error returned by the provider (access_denied)', async () => {
    const agent = newAgent(idp);
    const client = platform.client();
    const callback = await authorizeAtProvider(client, idp, { cancel: true });
    assert.equal(callback.searchParams.get('error'), 'access_denied');
    const answer = await client.get(`${callback.pathname}${callback.search}`);
    await assertRefused(client, answer, { status: 403, heading: /Connexion annulée/, email: agent.email });
  });

  it('another error returned by the provider, and an answer with neither code nor error', async () => {
    for (const [query, status, heading] of [
      ['error=server_error&error_description=panne', 502, /Connexion impossible/],
      ['', 502, /Connexion impossible/],
    ] as const) {
      const client = platform.client();
      const start = await client.get('/connexion/proconnect');
      const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
      const iss = encodeURIComponent(idp.url);
      const answer = await client.get(`/connexion/proconnect/retour?${query}&state=${state}&iss=${iss}`);
      assert.equal(answer.status, status, answer.text.slice(0, 300));
      assert.match(answer.text, heading);
      assert.equal(await signedIn(client), false);
    }
  });

  it('an account linking page opened with nothing to link', async () => {
    const client = platform.client();
    const page = await client.get('/connexion/proconnect/lier');
    assert.equal(page.status, 410);
    assert.match(page.text, /Liaison expirée/);
    const form = await client.get('/connexion');
    const posted = await client.postForm('/connexion/proconnect/lier', {
      _csrf: csrfTokenOf(form.text),
      password: GOOD_PASSWORD,
    });
    assert.equal(posted.status, 410);
    assert.equal(await signedIn(client), false);
  });

  it('an email account already linked to another ProConnect identity', async () => {
    const person = await createPerson(platform, { domain: 'ccas-saint-exemple.fr' });
    const first = newAgent(idp, { email: person.email, siret: '26454097200017' });
    const client = platform.client();
    assert.equal((await signInWithProConnect(client, idp, first.login)).status, 302);
    const page = await client.get('/connexion/proconnect/lier');
    const linked = await client.postForm('/connexion/proconnect/lier', {
      _csrf: csrfTokenOf(page.text),
      password: GOOD_PASSWORD,
    });
    assert.equal(linked.status, 302);
    // Another subject with the same address (another identity provider behind ProConnect).
    const second = newAgent(idp, { email: person.email, siret: '26454097200017' });
    const other = platform.client();
    const answer = await signInWithProConnect(other, idp, second.login);
    assert.equal(answer.status, 409);
    assert.match(answer.text, /Compte déjà lié/);
    assert.equal(await signedIn(other), false);
    assert.equal(await accountsWithEmail(person.email), 1);
  });

  for (const fault of ['bad_signature', 'audience', 'issuer', 'expired'] as const) {
    it(`an ID token: ${fault.replace('_', ' ')}`, async () => {
      const agent = newAgent(idp);
      const client = platform.client();
      idp.tamperNextIdToken(fault);
      const answer = await signInWithProConnect(client, idp, agent.login);
      await assertRefused(client, answer, {
        status: 502,
        heading: /Identité non vérifiée/,
        email: agent.email,
      });
      assert.match(answer.text, /jeton d’identité/);
    });
  }

  for (const fault of ['bad_signature', 'unsigned', 'subject'] as const) {
    it(`a userinfo answer: ${fault.replace('_', ' ')}`, async () => {
      const agent = newAgent(idp);
      const client = platform.client();
      idp.tamperNextUserinfo(fault);
      const answer = await signInWithProConnect(client, idp, agent.login);
      await assertRefused(client, answer, {
        status: 502,
        heading: /Identité non vérifiée/,
        email: agent.email,
      });
    });
  }

  const siretCases = [
    ['missing', undefined, /Organisation inconnue/],
    ['malformed', '2145795670001X', /Organisation inconnue/],
    ['with a wrong key', '21457956700015', /Organisation inconnue/],
    ['unknown to the directory', SIRET.unknown, /Organisation introuvable/],
    ['of a closed establishment', SIRET.communeClosedEstablishment, /Établissement fermé/],
  ] as const;
  for (const [name, siret, heading] of siretCases) {
    it(`a siret claim ${name}`, async () => {
      const agent = newAgent(idp, { siret });
      const client = platform.client();
      const answer = await signInWithProConnect(client, idp, agent.login);
      await assertRefused(client, answer, { status: 422, heading, email: agent.email });
    });
  }

  it('a free-mail address', async () => {
    const agent = newAgent(idp, { domain: 'gmail.com' });
    const client = platform.client();
    const answer = await signInWithProConnect(client, idp, agent.login);
    await assertRefused(client, answer, {
      status: 422,
      heading: /Adresse professionnelle requise/,
      email: agent.email,
    });
  });

  it('names that are not text', async () => {
    const agent = newAgent(idp, { givenName: 'Ma\u0000elle' });
    const client = platform.client();
    const answer = await signInWithProConnect(client, idp, agent.login);
    await assertRefused(client, answer, {
      status: 422,
      heading: /Informations d’identité incomplètes/,
      email: agent.email,
    });
  });

  it('a provider that cannot be reached', async () => {
    const { platform: offline, idp: gone } = await startPlatformWithProConnect();
    await gone.stop();
    try {
      const client = offline.client();
      const answer = await client.get('/connexion/proconnect');
      assert.equal(answer.status, 503);
      assert.match(answer.text, /Service momentanément indisponible/);
      assert.equal(answer.headers.get('retry-after'), '60');
    } finally {
      await offline.stop();
    }
  });
});

describe('logging out of a ProConnect session', () => {
  it('ends the Sésame session and sends the browser to ProConnect’s logout with id_token_hint, state and the return address', async () => {
    const agent = newAgent(idp);
    const client = platform.client();
    assert.equal((await signInWithProConnect(client, idp, agent.login)).status, 302);
    const page = await client.get('/compte');
    const answer = await client.postForm('/deconnexion', { _csrf: csrfTokenOf(page.text) });
    assert.equal(answer.status, 200);
    assert.equal(await signedIn(client), false);
    const href = attribute(/id="proconnect-deconnexion" href="([^"]+)"/, answer.text);
    assert.ok(href, 'the page links to the provider’s logout');
    const url = new URL(href);
    assert.equal(url.origin, idp.url);
    assert.ok(url.searchParams.get('id_token_hint'));
    assert.ok(url.searchParams.get('state'));
    assert.equal(
      url.searchParams.get('post_logout_redirect_uri'),
      `${platform.url}/deconnexion/proconnect/retour`,
    );

    const wrongState = await client.get('/deconnexion/proconnect/retour?state=autre');
    assert.equal(wrongState.headers.get('location'), '/connexion');
    assert.match((await client.get('/connexion')).text, /Vous êtes déconnecté·e de Sésame\./);
  });

  it('of an email session, stays on Sésame', async () => {
    const person = await createPerson(platform);
    const page = await person.client.get('/compte');
    // createPerson signs in through the API; the page form needs the page's token.
    const answer = await person.client.postForm('/deconnexion', { _csrf: csrfTokenOf(page.text) });
    assert.equal(answer.status, 302);
    assert.equal(answer.headers.get('location'), '/connexion');
  });
});

describe('the sign-in and sign-up pages', () => {
  it('offer "S’identifier avec ProConnect", keeping where to go after', async () => {
    const client = platform.client();
    for (const path of ['/connexion', '/inscription']) {
      const page = await client.get(path);
      assert.match(
        page.text,
        /S’identifier avec<\/span>\s*<span class="sesame-proconnect__brand">ProConnect/,
      );
    }
    const withReturn = await client.get('/connexion?retour=%2Fjetons%3Fa%3D1');
    assert.equal(
      attribute(/class="sesame-proconnect" href="([^"]+)"/, withReturn.text),
      '/connexion/proconnect?retour=%2Fjetons%3Fa%3D1',
    );
  });
});
