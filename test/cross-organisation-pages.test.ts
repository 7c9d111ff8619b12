import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { newEmail, SIRET, signUpAndActivate } from './helpers/accounts.ts';
import {
  approvedTechnicalAccountRequest,
  approvedToken,
  instructorOf,
  submitRequest,
} from './helpers/habilitations.ts';
import { csrfTokenOf, type HttpAnswer, type HttpClient } from './helpers/http-client.ts';
import { createPerson } from './helpers/people.ts';
import { startTestPlatform, type TestPlatform } from './helpers/platform.ts';
import { applicantWithDraft, completeForm, signInStaff } from './helpers/requests.ts';

/**
 * The server-rendered pages aimed at another organisation's objects (the authorisation matrix covers the JSON API
 * only): a confirmation page of an irreversible action opened by a stranger must not exist for them (404) and must
 * not name the object; the confirmed POST must change nothing. Also: copying another organisation's request, a
 * deactivation of several invitation codes that names one not the organisation's (all or none), and addresses that
 * are not web addresses in a form's URL fields.
 */

let platform: TestPlatform;

/** Organisation A (the commune) and what it holds; B (the department) is the stranger's. */
interface WorldA {
  siret: string;
  name: string;
  owner: HttpClient;
  draftId: string;
  habilitationId: string;
  tokenId: string;
  tokenVisiblePart: string;
  technicalAccount: { id: string; login: string };
  member: { userId: string; email: string };
  /** Valid codes of A: deactivated by nobody but A's administrators. */
  codes: { id: string; code: string; masked: string }[];
  submittedId: string;
}

let a: WorldA;
let stranger: { client: HttpClient; siret: string; habilitationId: string; codeId: string };
let webhook: { developer: HttpClient; otherDeveloper: HttpClient; endpointId: string; url: string };

/** A distinctive address, so that a page naming the endpoint is seen; a closed local port (nothing delivered). */
const WEBHOOK_URL = `http://127.0.0.1:9/sesame-point-prive-${Date.now().toString(36)}`;

before(async () => {
  platform = await startTestPlatform({ env: { WEBHOOK_ALLOW_LOCAL_HTTP: 'true' } });

  const [owner, strangerAccount, developer, otherDeveloper] = await Promise.all([
    applicantWithDraft(platform, { siret: SIRET.commune }),
    signUpAndActivate(platform, { siret: SIRET.department, email: newEmail('loire-exemplaire.fr') }),
    signInStaff(platform, [{ role: 'developpeur', definition: 'api-entreprise' }], 'developpeur'),
    signInStaff(platform, [{ role: 'developpeur', definition: 'api-particulier' }], 'autre-developpeur'),
  ]);
  const ownerClient = owner.client;

  const [token, , strangerToken, member, created, strangerCode, submittedId, endpoint] = await Promise.all([
    approvedToken(platform, ownerClient),
    approvedTechnicalAccountRequest(platform, ownerClient),
    approvedToken(platform, strangerAccount.client, { siret: SIRET.department }),
    createPerson(platform, { invitedBy: { admin: ownerClient, siret: SIRET.commune, roles: ['demandeur'] } }),
    ownerClient.send('POST', `/api/v1/organisations/${SIRET.commune}/invitations`, {
      count: 3,
      roles: ['demandeur'],
    }),
    strangerAccount.client.send('POST', `/api/v1/organisations/${SIRET.department}/invitations`, {
      count: 1,
      roles: ['lecteur'],
    }),
    submitRequest(ownerClient, { definition: 'api-entreprise' }),
    developer.client.send('POST', '/api/v1/definitions/api-entreprise/webhooks', { url: WEBHOOK_URL }),
  ]);
  assert.equal(created.status, 201, created.text);
  assert.equal(strangerCode.status, 201, strangerCode.text);
  assert.equal(endpoint.status, 201, endpoint.text);

  const account = await ownerClient.send('POST', `/api/v1/organisations/${SIRET.commune}/technical-accounts`);
  assert.equal(account.status, 201, account.text);
  const habilitation = await ownerClient.get(`/api/v1/habilitations/${token.habilitationId}`);
  assert.equal(habilitation.status, 200, habilitation.text);
  const facts = await ownerClient.get(`/api/v1/organisations/${SIRET.commune}`);
  const listed = await ownerClient.get(`/api/v1/organisations/${SIRET.commune}/invitations`);
  const masked = new Map((listed.json as { id: string; code: string }[]).map((code) => [code.id, code.code]));

  a = {
    siret: SIRET.commune,
    name: facts.json.name as string,
    owner: ownerClient,
    draftId: owner.requestId,
    habilitationId: token.habilitationId,
    tokenId: token.tokenId,
    tokenVisiblePart: (habilitation.json.tokens as { id: string; prefix: string }[]).find(
      (candidate) => candidate.id === token.tokenId,
    )!.prefix,
    technicalAccount: { id: account.json.id as string, login: account.json.login as string },
    member: { userId: member.userId, email: member.email },
    codes: (created.json.codes as { id: string; code: string }[]).map((code) => ({
      ...code,
      masked: masked.get(code.id)!,
    })),
    submittedId,
  };
  stranger = {
    client: strangerAccount.client,
    siret: SIRET.department,
    habilitationId: strangerToken.habilitationId,
    codeId: strangerCode.json.codes[0].id as string,
  };
  webhook = {
    developer: developer.client,
    otherDeveloper: otherDeveloper.client,
    endpointId: endpoint.json.id as string,
    url: WEBHOOK_URL,
  };
  for (const fact of [a.name, a.tokenVisiblePart, a.technicalAccount.login, ...a.codes.map((c) => c.masked)])
    assert.ok(fact && fact.length >= 4, `a fact to look for: ${fact}`);
});

after(async () => {
  await platform?.stop();
});

/** The CSRF token of the client's session, read from a page's form as a browser would. */
async function csrfOf(client: HttpClient): Promise<string> {
  return csrfTokenOf((await client.get('/tableau-de-bord')).text);
}

/** A confirmation's form posted by `client`, with its own session's CSRF token. */
async function confirm(client: HttpClient, path: string, fields: Record<string, string> = {}) {
  return client.postForm(path, { _csrf: await csrfOf(client), ...fields });
}

/** Text as Handlebars escapes it, for looking a fact up in a page. */
const escaped = (text: string) =>
  text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#x27;')
    .replace(/`/g, '&#x60;')
    .replace(/=/g, '&#x3D;');

function assertNothingOf(answer: HttpAnswer, facts: string[], what: string) {
  for (const fact of facts) {
    assert.ok(
      !answer.text.includes(fact) && !answer.text.includes(escaped(fact)),
      `${what} names « ${fact} »`,
    );
  }
}

function assertNotFound(answer: HttpAnswer, facts: string[], what: string) {
  assert.equal(answer.status, 404, `${what}: ${answer.status} ${answer.headers.get('location') ?? ''}`);
  assertNothingOf(answer, facts, what);
}

const tokenState = async (id: string) =>
  (
    await platform.services.db.query<{ revoked_at: Date | null }>(
      'SELECT revoked_at FROM tokens WHERE id = $1',
      [id],
    )
  ).rows[0]!;

/** The codes' states, in the order asked (every one must exist). */
async function codeStates(ids: string[]) {
  const { rows } = await platform.services.db.query<{ id: string; deactivated_at: Date | null }>(
    'SELECT id, deactivated_at FROM invitation_codes WHERE id = ANY($1::uuid[])',
    [ids],
  );
  return ids.map((id) => rows.find((row) => row.id === id)!);
}

describe('confirmation pages of another organisation’s objects', () => {
  it('revoking a token: no page, no name, and the POST revokes nothing', async () => {
    const facts = [a.tokenVisiblePart, a.name];
    const paths = [
      `/jetons/${a.habilitationId}/${a.tokenId}/revocation`,
      // Their own habilitation in the address, another organisation's token.
      `/jetons/${stranger.habilitationId}/${a.tokenId}/revocation`,
    ];
    for (const path of paths) {
      assertNotFound(await stranger.client.get(path), facts, `GET ${path}`);
      assertNotFound(await confirm(stranger.client, path), facts, `POST ${path}`);
    }
    assert.equal((await tokenState(a.tokenId)).revoked_at, null);
    const own = await a.owner.get(`/jetons/${a.habilitationId}/${a.tokenId}/revocation`);
    assert.equal(own.status, 200, 'the holder’s own confirmation page exists');
    assert.ok(own.text.includes(a.tokenVisiblePart));
  });

  it('deleting a technical account: no page, no login, and the POST deletes nothing', async () => {
    const facts = [a.technicalAccount.login, a.name];
    const paths = [
      `/organisations/${a.siret}/comptes-techniques/${a.technicalAccount.id}/suppression`,
      // Their own organisation in the address, another's account.
      `/organisations/${stranger.siret}/comptes-techniques/${a.technicalAccount.id}/suppression`,
    ];
    for (const path of paths) {
      assertNotFound(await stranger.client.get(path), facts, `GET ${path}`);
      assertNotFound(await confirm(stranger.client, path), facts, `POST ${path}`);
    }
    const { rows } = await platform.services.db.query<{ deleted_at: Date | null }>(
      'SELECT deleted_at FROM technical_accounts WHERE id = $1',
      [a.technicalAccount.id],
    );
    assert.equal(rows[0]!.deleted_at, null);
    const own = await a.owner.get(paths[0]!);
    assert.equal(own.status, 200);
    assert.ok(own.text.includes(a.technicalAccount.login));
  });

  it('deleting a webhook endpoint: no page for a developer of another API, and the POST deletes nothing', async () => {
    const facts = [webhook.url];
    const paths = [
      `/developpeurs/api-entreprise/webhooks/${webhook.endpointId}/suppression`,
      // Their own API in the address, another API's endpoint.
      `/developpeurs/api-particulier/webhooks/${webhook.endpointId}/suppression`,
    ];
    for (const path of paths) {
      assertNotFound(await webhook.otherDeveloper.get(path), facts, `GET ${path}`);
      assertNotFound(await confirm(webhook.otherDeveloper, path), facts, `POST ${path}`);
      // A person of an organisation is no developer at all.
      assertNotFound(await stranger.client.get(path), facts, `GET ${path} (not staff)`);
    }
    const still = await webhook.developer.get(
      `/api/v1/definitions/api-entreprise/webhooks/${webhook.endpointId}`,
    );
    assert.equal(still.status, 200, still.text);
    const own = await webhook.developer.get(paths[0]!);
    assert.equal(own.status, 200);
    assert.ok(own.text.includes(webhook.url));
  });

  it('archiving a draft: no page, no title, and the POST archives nothing', async () => {
    const title = `Brouillon confidentiel ${Date.now().toString(36)}`;
    const saved = await a.owner.send('PATCH', `/api/v1/requests/${a.draftId}`, { project: { title } });
    assert.equal(saved.status, 200, saved.text);
    const path = `/demandes/${a.draftId}/archiver`;
    const facts = [title, a.name];
    assertNotFound(await stranger.client.get(path), facts, `GET ${path}`);
    assertNotFound(await confirm(stranger.client, path), facts, `POST ${path}`);
    // Staff who instruct the API do not see drafts either.
    const instructor = await instructorOf(platform);
    assertNotFound(await instructor.get(path), facts, `GET ${path} (instructor)`);
    assertNotFound(await confirm(instructor, path), facts, `POST ${path} (instructor)`);
    assert.equal((await a.owner.get(`/api/v1/requests/${a.draftId}`)).json.state, 'draft');
    const own = await a.owner.get(path);
    assert.equal(own.status, 200);
    assert.ok(own.text.includes(title));
  });

  it('removing a member: no page, no email, and the POST removes nobody', async () => {
    const facts = [a.member.email, a.name];
    const paths = [
      `/organisations/${a.siret}/membres/${a.member.userId}/retirer`,
      `/organisations/${stranger.siret}/membres/${a.member.userId}/retirer`,
    ];
    for (const path of paths) {
      assertNotFound(await stranger.client.get(path), facts, `GET ${path}`);
      assertNotFound(await confirm(stranger.client, path), facts, `POST ${path}`);
    }
    const { rows } = await platform.services.db.query<{ status: string }>(
      `SELECT m.status FROM memberships m JOIN organisations o ON o.id = m.organisation_id
        WHERE m.user_id = $1 AND o.siret = $2`,
      [a.member.userId, a.siret],
    );
    assert.deepEqual(
      rows.map((row) => row.status),
      ['active'],
    );
    const own = await a.owner.get(paths[0]!);
    assert.equal(own.status, 200);
    assert.ok(own.text.includes(a.member.email));
  });

  it('deactivating invitation codes: no page, no code, and no POST deactivates one', async () => {
    const [code] = a.codes;
    const facts = [code!.code, code!.masked, a.name];
    const query = `?code=${code!.id}`;
    const gets = [
      `/organisations/${a.siret}/codes-invitation/desactiver${query}`,
      `/organisations/${stranger.siret}/codes-invitation/desactiver${query}`,
      // One of their own codes with another organisation's.
      `/organisations/${stranger.siret}/codes-invitation/desactiver${query}&code=${stranger.codeId}`,
    ];
    for (const path of gets) assertNotFound(await stranger.client.get(path), facts, `GET ${path}`);
    const posts: [string, Record<string, string>][] = [
      [`/organisations/${a.siret}/codes-invitation/desactiver`, { code: code!.id }],
      [`/organisations/${stranger.siret}/codes-invitation/desactiver`, { code: code!.id }],
      [
        `/organisations/${stranger.siret}/codes-invitation/desactiver`,
        { code: `${stranger.codeId},${code!.id}` },
      ],
      // The former one-code action.
      [`/organisations/${a.siret}/codes-invitation/${code!.id}/desactiver`, {}],
      [`/organisations/${stranger.siret}/codes-invitation/${code!.id}/desactiver`, {}],
    ];
    for (const [path, fields] of posts)
      assertNotFound(
        await confirm(stranger.client, path, fields),
        facts,
        `POST ${path} ${JSON.stringify(fields)}`,
      );
    const states = await codeStates([code!.id, stranger.codeId]);
    assert.deepEqual(
      states.map((state) => state.deactivated_at),
      [null, null],
      'neither A’s code nor the stranger’s own is deactivated',
    );
  });
});

describe('the other pages of another organisation’s objects', () => {
  it('answer 404 to a stranger, without its name', async () => {
    const org = `/organisations/${a.siret}`;
    const account = `${org}/comptes-techniques/${a.technicalAccount.id}`;
    for (const path of [
      org,
      `${org}/membres`,
      `${org}/quitter`,
      `${org}/codes-invitation`,
      `${org}/codes-invitation/creer`,
      `${org}/codes-invitation/crees`,
      `${org}/comptes-techniques`,
      `${account}/reinitialisation`,
      `${account}/mot-de-passe`,
      `/jetons/${a.habilitationId}`,
      `/jetons/${a.habilitationId}/${a.tokenId}/revele`,
      `/demandes/${a.draftId}`,
      `/demandes/${a.draftId}/formulaire/projet`,
      `/demandes/${a.submittedId}`,
    ])
      assertNotFound(await stranger.client.get(path), [a.name], `GET ${path}`);
    // Saving a step of their draft, by the form or the autosave, is refused the same way.
    const step = `/demandes/${a.draftId}/formulaire/projet`;
    assertNotFound(
      await confirm(stranger.client, step, { 'project.title': 'Reprise' }),
      [a.name],
      `POST ${step}`,
    );
    const autosave = await stranger.client.request('POST', step, {
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-autosave': '1' },
      body: new URLSearchParams({
        _csrf: await csrfOf(stranger.client),
        'project.title': 'Reprise',
      }).toString(),
    });
    assertNotFound(autosave, [a.name], `POST ${step} (autosave)`);
    const { rows } = await platform.services.db.query<{ data: { project?: { title?: string } } }>(
      'SELECT data FROM access_requests WHERE id = $1',
      [a.draftId],
    );
    assert.notEqual(rows[0]!.data.project?.title, 'Reprise');
  });
});

describe('copying another organisation’s request through its page', () => {
  it('answers 404 and creates no request, for a stranger and for staff', async () => {
    const count = async () =>
      Number(
        (await platform.services.db.query<{ n: string }>('SELECT count(*) AS n FROM access_requests'))
          .rows[0]!.n,
      );
    const before = await count();
    const instructor = await instructorOf(platform);
    const path = `/demandes/${a.submittedId}/copier`;
    const facts = [a.name];
    assertNotFound(await confirm(stranger.client, path), facts, `POST ${path}`);
    assertNotFound(await confirm(instructor, path), facts, `POST ${path} (instructor)`);
    assert.equal(await count(), before, 'no request was created');
    // The applicant of the organisation may: the route itself works.
    const own = await confirm(a.owner, path);
    assert.equal(own.status, 303);
    assert.equal(await count(), before + 1);
  });
});

describe('addresses that are not web addresses in a request’s URL fields', () => {
  const PAYLOADS = [
    'javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    '  JaVaScRiPt:alert(1)',
  ];

  /** Every href of a page, unescaped as a browser reads it. */
  const hrefs = (html: string) =>
    [...html.matchAll(/href\s*=\s*"([^"]*)"/gi)].map((match) =>
      match[1]!
        .replace(/&#x3D;/g, '=')
        .replace(/&#x27;/g, "'")
        .replace(/&#x60;/g, '`')
        .replace(/&quot;/g, '"')
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&amp;/g, '&'),
    );

  function assertNoScriptHref(page: HttpAnswer, what: string) {
    for (const href of hrefs(page.text))
      assert.doesNotMatch(href.trim(), /^(javascript|data|vbscript):/i, `${what} links to ${href}`);
  }

  for (const [step, field, label] of [
    ['projet', 'project.serviceUrl', 'the service’s address'],
    ['cadre-juridique', 'legalBasis.url', 'the legal text’s address'],
  ] as const) {
    it(`${label}: the step refuses it as a field error, and no page links to it`, async () => {
      const { client, requestId } = await applicantWithDraft(platform);
      const path = `/demandes/${requestId}/formulaire/${step}`;
      const form = completeForm('api-entreprise') as {
        project: { title: string; description: string; useCase: string };
        legalBasis: { nature: string };
      };
      const otherFields: Record<string, string> =
        step === 'projet'
          ? {
              'project.title': form.project.title,
              'project.description': form.project.description,
              'project.useCase': form.project.useCase,
            }
          : { 'legalBasis.nature': form.legalBasis.nature };
      for (const payload of PAYLOADS) {
        const page = await client.get(path);
        const sent = await client.postForm(path, {
          _csrf: csrfTokenOf(page.text),
          ...otherFields,
          [field]: payload,
          action: 'next',
        });
        assert.equal(sent.status, 303, payload);
        assert.equal(sent.headers.get('location'), path, `${payload}: back to the step`);
        const shown = await client.get(path);
        assert.match(shown.text, /Adresse web invalide \(https:\/\/…\)/, payload);
        assert.match(shown.text, /fr-input-group--error/, payload);
        assertNoScriptHref(shown, `the step after ${JSON.stringify(payload)}`);
        for (const other of [`/demandes/${requestId}/formulaire/recapitulatif`, `/demandes/${requestId}`]) {
          const answer = await client.get(other);
          assert.equal(answer.status, 200, other);
          assertNoScriptHref(answer, `${other} after ${JSON.stringify(payload)}`);
        }
        // Whatever the draft keeps, the request cannot be submitted with it.
        const complete = completeForm('api-entreprise') as Record<string, Record<string, unknown>>;
        const [block, key] = field.split('.') as [string, string];
        const saved = await client.send('PATCH', `/api/v1/requests/${requestId}`, {
          ...complete,
          [block]: { ...complete[block], [key]: payload },
        });
        assert.equal(saved.status, 200, saved.text);
        const submitted = await client.send('POST', `/api/v1/requests/${requestId}/submit`);
        assert.equal(submitted.status, 422, `${payload}: ${submitted.text}`);
        assert.ok(
          JSON.stringify(submitted.json).includes(field),
          `${payload}: the refusal names ${field}: ${submitted.text}`,
        );
        assertNoScriptHref(await client.get(`/demandes/${requestId}`), `the request page after ${payload}`);
      }
    });
  }
  // The draft itself keeps such an address as typed (spec §3: a draft saves as the applicant goes, whatever its
  // state); it is refused when leaving the step forwards and at submission, and only ever shown as text.
});

describe('deactivating several invitation codes at once', () => {
  it('is all or none: a code of another organisation, or one that does not exist, and none is deactivated', async () => {
    const [, first, second] = a.codes;
    const ids = [first!.id, second!.id];
    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const odd of [stranger.codeId, unknown]) {
      const page = await a.owner.get(
        `/organisations/${a.siret}/codes-invitation/desactiver?code=${ids.join(',')},${odd}`,
      );
      assert.equal(page.status, 404, `the confirmation with ${odd}`);
      const posted = await confirm(a.owner, `/organisations/${a.siret}/codes-invitation/desactiver`, {
        code: [...ids, odd].join(','),
      });
      assert.equal(posted.status, 404, `the POST with ${odd}: ${posted.status}`);
      assert.deepEqual(
        (await codeStates([...ids, stranger.codeId])).map((state) => state.deactivated_at),
        [null, null, null],
        `nothing deactivated with ${odd}`,
      );
    }
    // The same codes without the odd one: both go, so the refusal above was the odd one's.
    const posted = await confirm(a.owner, `/organisations/${a.siret}/codes-invitation/desactiver`, {
      code: ids.join(','),
    });
    assert.equal(posted.status, 303);
    assert.ok((await codeStates(ids)).every((state) => state.deactivated_at !== null));
  });

  it('is all or none when one of the ids is malformed, and refuses more than 200 codes rather than cutting the list', async () => {
    const created = await a.owner.send('POST', `/api/v1/organisations/${a.siret}/invitations`, {
      count: 2,
      roles: ['demandeur'],
    });
    assert.equal(created.status, 201, created.text);
    const ids = (created.json.codes as { id: string }[]).map((code) => code.id);
    const path = `/organisations/${a.siret}/codes-invitation/desactiver`;
    for (const odd of ['pas-un-identifiant', `${ids[0]}x`]) {
      const list = [...ids, odd].join(',');
      assert.equal((await a.owner.get(`${path}?code=${encodeURIComponent(list)}`)).status, 404, odd);
      assert.equal((await confirm(a.owner, path, { code: list })).status, 404, odd);
      assert.deepEqual(
        (await codeStates(ids)).map((state) => state.deactivated_at),
        [null, null],
        `nothing deactivated with ${odd}`,
      );
    }
    // 201 ids, the first two real: refused with the reason, not cut to the first 200 (which would take them).
    const many = [...ids, ...Array.from({ length: 199 }, () => randomUUID())].join(',');
    const page = await a.owner.get(`${path}?code=${many}`);
    assert.equal(page.status, 303);
    const posted = await confirm(a.owner, path, { code: many });
    assert.equal(posted.status, 303);
    assert.equal(posted.headers.get('location'), `/organisations/${a.siret}/codes-invitation`);
    assert.match((await a.owner.get(posted.headers.get('location')!)).text, /Choisissez au plus 200 codes/);
    assert.deepEqual(
      (await codeStates(ids)).map((state) => state.deactivated_at),
      [null, null],
    );
  });
});
