import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GOOD_PASSWORD, newEmail, signUpBody, SIRET } from './helpers/accounts.ts';
import { introspect, providerCredentials } from './helpers/habilitations.ts';
import { csrfTokenOf, type HttpAnswer } from './helpers/http-client.ts';
import { createPerson } from './helpers/people.ts';
import { DEMO_PASSWORD, startTestPlatform, type TestPlatform } from './helpers/platform.ts';
import { applicantWithDraft, signInInstructor } from './helpers/requests.ts';

let platform: TestPlatform;

before(async () => {
  platform = await startTestPlatform();
});
after(async () => {
  await platform.stop();
});

/** The JSON API's error shape: a stable code and a French message, nothing of the input echoed. */
function assertApiError(answer: HttpAnswer, status: number, error: string): void {
  assert.equal(answer.status, status, answer.text);
  assert.match(answer.headers.get('content-type') ?? '', /application\/json/);
  assert.equal(answer.json.error, error, answer.text);
  assert.equal(typeof answer.json.message, 'string');
  assert.equal(answer.json.requestId, undefined, 'a 4xx carries no request id: it is not our fault');
}

/** The French error page, with its heading. */
function assertErrorPage(answer: HttpAnswer, status: number, heading: string): void {
  assert.equal(answer.status, status, answer.text.slice(0, 500));
  assert.match(answer.headers.get('content-type') ?? '', /text\/html/);
  assert.ok(answer.text.includes(heading), `the page says « ${heading} »`);
}

/** A 422 naming exactly these fields. */
function assertFieldsRefused(answer: HttpAnswer, paths: string[]): void {
  assertApiError(answer, 422, 'validation_failed');
  assert.deepEqual(
    answer.json.errors.map((error: { path: string }) => error.path),
    paths,
    answer.text,
  );
}

const NUL = 'Ana\u0000ïs';

describe('bodies that cannot be read', () => {
  it('a body announced as gzip that is not gzip is a 400, on the API and on a page', async () => {
    const client = platform.client();
    const api = await client.request('POST', '/api/v1/session', {
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: JSON.stringify({ email: 'x@exemple.fr', password: 'y' }),
    });
    assertApiError(api, 400, 'malformed_body');

    const page = await client.request('POST', '/connexion', {
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': 'gzip' },
      body: 'email=x%40exemple.fr&password=y',
    });
    assertErrorPage(page, 400, 'Demande invalide');
  });

  it('an encoding the server does not know is a 415, a body too large a 413, broken JSON a 400', async () => {
    const client = platform.client();
    const unknown = await client.request('POST', '/api/v1/session', {
      headers: { 'content-type': 'application/json', 'content-encoding': 'x-compress-maison' },
      body: '{}',
    });
    assertApiError(unknown, 415, 'unsupported_encoding');
    const large = await client.request('POST', '/api/v1/session', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'x'.repeat(1_100_000) }),
    });
    assertApiError(large, 413, 'payload_too_large');
    const broken = await client.request('POST', '/api/v1/session', {
      headers: { 'content-type': 'application/json' },
      body: '{"email":',
    });
    assertApiError(broken, 400, 'malformed_json');
    const charset = await client.request('POST', '/api/v1/session', {
      headers: { 'content-type': 'application/json; charset=klingon' },
      body: '{}',
    });
    assertApiError(charset, 415, 'unsupported_charset');
  });

  it('JSON nested thousands deep is refused before validation, in scopes, roles and anywhere else', async () => {
    const { client, requestId } = await applicantWithDraft(platform);
    // Written by hand: JSON.stringify itself recurses and would overflow here.
    const deep = (depth: number, leaf: string) =>
      '['.repeat(depth) + JSON.stringify(leaf) + ']'.repeat(depth);
    const sendRaw = (method: string, path: string, body: string) =>
      client.request(method, path, {
        headers: { 'content-type': 'application/json', 'x-csrf-token': client.csrfToken! },
        body,
      });

    const scopes = await sendRaw('PATCH', `/api/v1/requests/${requestId}`, `{"scopes":${deep(5_000, 'x')}}`);
    assertApiError(scopes, 400, 'body_too_deep');
    const roles = await sendRaw(
      'POST',
      `/api/v1/organisations/${SIRET.commune}/invitations`,
      `{"count":1,"roles":${deep(5_000, 'demandeur')}}`,
    );
    assertApiError(roles, 400, 'body_too_deep');
    const objects = await client.request('POST', '/api/v1/session', {
      headers: { 'content-type': 'application/json' },
      body: '{"a":'.repeat(5_000) + '1' + '}'.repeat(5_000),
    });
    assertApiError(objects, 400, 'body_too_deep');

    // A normal form's nesting goes through, and the value is still validated as usual.
    const shallow = await sendRaw('PATCH', `/api/v1/requests/${requestId}`, `{"scopes":${deep(3, 'x')}}`);
    assertFieldsRefused(shallow, ['scopes.0']);
  });
});

describe('addresses that cannot be decoded', () => {
  for (const segment of ['%E0%A4%A', '%']) {
    it(`a path parameter « ${segment} » is a 400 before authentication, on the API and on pages`, async () => {
      const anonymous = platform.client();
      for (const path of [
        `/api/v1/requests/${segment}`,
        `/api/v1/requests/${segment}/archive`,
        `/api/v1/organisations/${segment}`,
      ]) {
        const method = path.endsWith('archive') ? 'POST' : 'GET';
        assertApiError(await anonymous.request(method, path), 400, 'malformed_path');
      }
      for (const path of [`/demandes/${segment}`, `/instruction/demandes/${segment}`, `/jetons/${segment}`]) {
        assertErrorPage(await anonymous.get(path), 400, 'Adresse invalide');
      }
    });
  }
});

describe('control characters in text', () => {
  it('a NUL in the names at sign-up and in the profile is a 422 naming the field', async () => {
    const client = platform.client();
    const signUp = await client.send('POST', '/api/v1/accounts', signUpBody({ givenName: NUL }));
    assertFieldsRefused(signUp, ['givenName']);
    assert.doesNotMatch(signUp.text, /\\u0000/, 'the input is not echoed');

    const person = await createPerson(platform);
    const profile = await person.client.send('PATCH', '/api/v1/me', {
      givenName: 'Anaïs',
      familyName: 'Le\u0007Goff',
    });
    assertFieldsRefused(profile, ['familyName']);
    // Line breaks are no name either: only multi-line texts accept them.
    const newline = await person.client.send('PATCH', '/api/v1/me', {
      givenName: 'Ana\nïs',
      familyName: 'Le Goff',
    });
    assertFieldsRefused(newline, ['givenName']);
  });

  it('the sign-up page refuses a NUL in a name with the field marked, and creates no account', async () => {
    const browser = platform.client();
    const form = await browser.get('/inscription');
    assert.equal(form.status, 200);
    const email = newEmail('saint-exemple.fr');
    const posted = await browser.postForm('/inscription', {
      _csrf: csrfTokenOf(form.text),
      givenName: NUL,
      familyName: 'Le Goff',
      email,
      password: GOOD_PASSWORD,
      siret: SIRET.commune,
    });
    // Post/redirect/get: the form's page, sent back to, shows the refusal.
    assert.equal(posted.status, 303);
    const answer = await browser.get(posted.headers.get('location')!);
    assert.equal(answer.status, 422);
    assert.match(answer.text, /Le formulaire contient une erreur/);
    assert.match(
      answer.text,
      /id="givenName-erreur">Ce champ contient un caractère de contrôle invisible/,
      'the message is on the name field',
    );
    const { rows } = await platform.services.db.query('SELECT 1 FROM users WHERE email = $1', [email]);
    assert.equal(rows.length, 0);
  });

  it('messages, notes, opinions, draft fields and the queue search refuse control characters', async () => {
    const { client, requestId } = await applicantWithDraft(platform);
    assertFieldsRefused(
      await client.send('POST', `/api/v1/requests/${requestId}/messages`, { body: `Bonjour${NUL}` }),
      ['body'],
    );
    // Several lines and tabs are fine in a message.
    const multiline = await client.send('POST', `/api/v1/requests/${requestId}/messages`, {
      body: 'Bonjour,\r\n\tvoici notre demande.',
    });
    assert.equal(multiline.status, 201, multiline.text);
    assertFieldsRefused(
      await client.send('PATCH', `/api/v1/requests/${requestId}`, {
        project: { title: NUL, description: 'Ligne 1\nLigne 2\u0000' },
      }),
      ['project.title', 'project.description'],
    );

    const instructor = await signInInstructor(platform);
    assertFieldsRefused(await instructor.send('POST', `/api/v1/requests/${requestId}/notes`, { body: NUL }), [
      'body',
    ]);
    assertFieldsRefused(await instructor.get(`/api/v1/instruction/requests?q=${encodeURIComponent(NUL)}`), [
      'q',
    ]);
  });

  it('a provider-credential label and the support decision’s message refuse control characters', async () => {
    const admin = platform.client();
    assert.equal((await admin.signIn('admin@sesame.test', DEMO_PASSWORD)).status, 200);
    assertFieldsRefused(
      await admin.send('POST', '/api/v1/admin/definitions/api-entreprise/provider-credentials', {
        label: NUL,
      }),
      ['label'],
    );
    const unknownMembership = '00000000-0000-4000-8000-000000000000';
    assertFieldsRefused(
      await admin.send('POST', `/api/v1/support/memberships/${unknownMembership}/reject`, { message: NUL }),
      ['message'],
    );
  });

  it('a Basic client id with a NUL at introspection is an unknown client, not a failure', async () => {
    const { clientSecret } = await providerCredentials(platform, 'api-entreprise');
    const basic = `Basic ${Buffer.from(`sesame${NUL}:${clientSecret}`).toString('base64')}`;
    const answer = await introspect(platform, basic, { token: 'anything' });
    assertApiError(answer, 401, 'invalid_client');
    const account = await introspect(platform, (await providerCredentials(platform, 'chorus-pro')).basic, {
      token: Buffer.from(`login${NUL}:motdepasse`).toString('base64'),
      token_type_hint: 'basic_credentials',
    });
    assert.equal(account.status, 200, account.text);
    assert.deepEqual(account.json, { active: false });
  });
});

describe('identifiers in upper case', () => {
  it('name the same request: archive and its page work with the id in capitals', async () => {
    const { client, requestId } = await applicantWithDraft(platform);
    const upper = requestId.toUpperCase();
    const shown = await client.get(`/api/v1/requests/${upper}`);
    assert.equal(shown.status, 200, shown.text);
    assert.equal(shown.json.id, requestId);
    const archived = await client.send('POST', `/api/v1/requests/${upper}/archive`);
    assert.equal(archived.status, 200, archived.text);
    assert.equal(archived.json.state, 'archived');
    const page = await client.get(`/demandes/${upper}`);
    assert.equal(page.status, 200);
    assert.ok(page.text.includes('Archivée'), 'the page shows the archived state');
  });
});

describe('a sign-up sent four times at once', () => {
  it('answers every one as a repeat is answered, and creates one account', async () => {
    const body = signUpBody({ email: newEmail('saint-exemple.fr', 'double.clic') });
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => platform.client().send('POST', '/api/v1/accounts', body)),
    );
    for (const answer of answers) {
      assert.equal(answer.status, 201, answer.text);
      assert.equal(answer.json.status, 'pending_activation');
    }
    const { rows } = await platform.services.db.query('SELECT id FROM users WHERE email = $1', [
      (body.email as string).toLowerCase(),
    ]);
    assert.equal(rows.length, 1);
  });
});

describe('a reader', () => {
  it('sees the organisation’s request but cannot write on it: message, draft, command, new request', async () => {
    // The region's first member: its main manager, who invites the reader.
    const { client, requestId } = await applicantWithDraft(platform, {
      siret: SIRET.region,
      domain: 'region-exemple.fr',
    });
    const reader = (
      await createPerson(platform, { invitedBy: { admin: client, siret: SIRET.region, roles: ['lecteur'] } })
    ).client;
    const seen = await reader.get(`/api/v1/requests/${requestId}`);
    assert.equal(seen.status, 200, seen.text);

    assertApiError(
      await reader.send('POST', `/api/v1/requests/${requestId}/messages`, { body: 'Je suis lecteur.' }),
      404,
      'not_found',
    );
    assertApiError(
      await reader.send('PATCH', `/api/v1/requests/${requestId}`, { project: { title: 'Par un lecteur' } }),
      404,
      'not_found',
    );
    assertApiError(await reader.send('POST', `/api/v1/requests/${requestId}/archive`), 404, 'not_found');
    assertFieldsRefused(
      await reader.send('POST', '/api/v1/requests', { definition: 'api-entreprise', siret: SIRET.region }),
      ['siret'],
    );
    const messages = await client.get(`/api/v1/requests/${requestId}/messages`);
    assert.equal(messages.status, 200);
    assert.deepEqual(messages.json, [], 'nothing was written');
  });
});
