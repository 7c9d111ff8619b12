import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ACTOR_KINDS,
  declaredCases,
  expectedOutcome,
  type ActorKind,
  type Outcome,
  type RequestCase,
} from '../api/access-policies.ts';
import { apiRoutes } from '../api/index.ts';
import { introspectionDocumentation } from '../api/introspection-routes.ts';
import type { AnyRoute } from '../api/route.ts';
import type { AppDeps } from '../app/deps.ts';
import { GOOD_PASSWORD, newEmail, signUpBody, SIRET } from './helpers/accounts.ts';
import {
  buildAuthorizationWorld,
  WORLD_WEBHOOK_URL,
  type Actor,
  type World,
} from './helpers/authorization-world.ts';
import { historyText } from './helpers/history.ts';
import type { HttpAnswer, HttpClient } from './helpers/http-client.ts';
import { DEMO_PASSWORD, startTestPlatform, type TestPlatform } from './helpers/platform.ts';
import { samplePdf } from './helpers/requests.ts';

/**
 * The authorisation matrix (issue 12, item 3): every operation of the JSON API, called by a person of every kind,
 * must answer what its declaration (`access` in defineRoute, api/access-policies.ts) says — the route's own answer,
 * or 401, 403 or 404. The operations come from the route list itself, so a new route is in the matrix as soon as it
 * exists; the inputs below give each a valid-shaped call, and a route without one fails here.
 *
 * Answers are also read: nothing of the organisation reaches people outside it, and no secret made for the world
 * (passwords, the token, codes, links) comes back in any answer, log line, stored email or workflow history — the
 * secrets that routes exist to show once appear in the one answer that showed them and nowhere else.
 */

// The declarations; handlers are not called here (the platform below serves the real ones).
const ROUTES: AnyRoute[] = [...apiRoutes({} as AppDeps), introspectionDocumentation];
const keyOf = (route: { method: string; path: string }) => `${route.method.toUpperCase()} ${route.path}`;

/** Who is outside the organisation: whatever they are answered must hold nothing of it. */
const OUTSIDERS: readonly ActorKind[] = ['anonymous', 'otherOrganisation', 'otherInstructor'];
/**
 * Staff who work on the organisation's submitted requests and must never read its drafts. (The platform admin's
 * email overview lists every email's subject, a draft's reminder included: the admin is left out of this check.)
 */
const NOT_FOR_DRAFTS: readonly ActorKind[] = ['instructor', 'reporter', 'support'];

interface Probe {
  /**
   * The path under /api/v1 (its parameters from the world). A request's route whose policy singles out a state
   * (`whileDraft`…) is probed again on the world's request in that state: `state` says which.
   */
  path: (world: World, actor: Actor, state?: RequestCase) => string | Promise<string>;
  /** A valid-shaped JSON body. */
  body?: (world: World, actor: Actor) => unknown;
  /** A valid-shaped form body (introspection). */
  form?: Record<string, string>;
  /** A PDF in multipart/form-data. */
  pdf?: true;
  /** The call ends or replaces the session: made from another session of the same person. */
  ownSession?: true;
  /** The secrets a 2xx answer exists to show once. */
  shows?: (json: any) => string[]; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const r = (world: World, which: keyof World['requests'], state?: RequestCase) =>
  `/requests/${state ? world.cases[state].requestId : world.requests[which]}`;
const file = (world: World, state?: RequestCase) =>
  `${r(world, 'submitted', state)}/attachments/${state ? world.cases[state].attachmentId : world.attachmentId}`;
const org = (world: World) => `/organisations/${world.organisation.siret}`;
const reason = { reason: 'Le cadre juridique ne couvre pas cet usage.' };
const hooks = (world: World) => `/definitions/${world.definition}/webhooks`;
const hook = (world: World) => `${hooks(world)}/${world.webhook.endpointId}`;

/** One valid-shaped call per operation, keyed `METHOD /path` as declared. */
const PROBES: Record<string, Probe> = {
  'POST /session': {
    path: () => '/session',
    // The anonymous caller signs in as someone else; everyone else as themselves, in a session of its own.
    body: (world, actor) => ({
      email: actor.email ?? world.actors.otherOrganisation.email,
      password: actor.password ?? GOOD_PASSWORD,
    }),
    ownSession: true,
  },
  'DELETE /session': { path: () => '/session', ownSession: true },
  'GET /me': { path: () => '/me' },
  'POST /accounts': {
    path: () => '/accounts',
    body: () => signUpBody({ siret: SIRET.university, email: newEmail('univ-exemple.fr', 'inscription') }),
  },
  'POST /accounts/activate': {
    path: () => '/accounts/activate',
    body: (world) => ({ token: world.usedActivationToken }),
  },
  'POST /accounts/resend-activation': {
    path: () => '/accounts/resend-activation',
    body: () => ({ email: newEmail('univ-exemple.fr', 'relance') }),
  },
  'POST /password-resets': {
    path: () => '/password-resets',
    body: () => ({ email: newEmail('univ-exemple.fr', 'oubli') }),
  },
  'POST /password-resets/complete': {
    path: () => '/password-resets/complete',
    body: (world) => ({ token: world.usedResetToken, password: 'encore une phrase de passe assez longue' }),
  },
  'PATCH /me': { path: () => '/me', body: () => ({ givenName: 'Alix', familyName: 'Essai' }) },
  'POST /me/password': {
    path: () => '/me/password',
    // A wrong current password: refused (422) past the access check, and nobody's password changes.
    body: () => ({
      currentPassword: 'pas le bon mot de passe',
      newPassword: 'une toute autre phrase de passe',
    }),
  },
  'PUT /me/current-organisation': {
    path: () => '/me/current-organisation',
    body: (world) => ({ siret: world.organisation.siret }),
  },
  'GET /organisations/:siret': { path: org },
  'GET /support/memberships': { path: () => '/support/memberships' },
  'POST /support/memberships/:id/approve': {
    path: (world) => `/support/memberships/${world.pendingMemberships.toApprove}/approve`,
    body: () => ({}),
  },
  'POST /support/memberships/:id/reject': {
    path: (world) => `/support/memberships/${world.pendingMemberships.toReject}/reject`,
    body: () => ({ message: 'Votre adresse ne permet pas de vous rattacher à cette organisation.' }),
  },
  'GET /admin/emails': { path: () => '/admin/emails' },
  'POST /admin/test-email': { path: () => '/admin/test-email', body: () => ({}) },
  'GET /admin/users': { path: () => '/admin/users?q=a' },
  'GET /admin/organisations': { path: () => '/admin/organisations' },
  'GET /admin/habilitations': { path: (world) => `/admin/habilitations?definition=${world.definition}` },
  'GET /admin/staff-roles': { path: () => '/admin/staff-roles' },
  // The admin grants itself a role it does not need (it sees everything already) and withdraws one it does not
  // hold: nobody's access to the world's objects changes while the other probes run.
  'POST /admin/staff-roles': {
    path: () => '/admin/staff-roles',
    body: (world) => ({
      email: world.actors.platformAdmin.email,
      role: 'rapporteur',
      definition: 'api-particulier',
    }),
  },
  'DELETE /admin/users/:id/staff-roles': {
    path: (world) =>
      `/admin/users/${world.actors.platformAdmin.userId}/staff-roles?role=developpeur&definition=api-particulier`,
  },
  'GET /definitions': { path: () => '/definitions' },
  'GET /definitions/:slug': { path: (world) => `/definitions/${world.definition}` },
  'GET /stats': { path: () => '/stats' },
  'POST /requests': {
    path: () => '/requests',
    body: (world) => ({ definition: world.definition, siret: world.organisation.siret }),
  },
  'POST /requests/:id/copy': { path: (world, _, state) => `${r(world, 'submitted', state)}/copy` },
  'GET /requests': { path: () => '/requests' },
  'GET /organisations/:siret/requests.csv': { path: (world) => `${org(world)}/requests.csv` },
  'GET /requests/:id': { path: (world, _, state) => r(world, 'submitted', state) },
  'PATCH /requests/:id': {
    path: (world) => r(world, 'draft'),
    body: () => ({ project: { description: 'Pré-remplir les demandes de subvention.' } }),
  },
  // Incomplete: a submission is refused (422) and the draft stays a draft.
  'POST /requests/:id/submit': { path: (world) => `${r(world, 'draft')}/submit` },
  'POST /requests/:id/archive': { path: (world) => `${r(world, 'draftToArchive')}/archive` },
  'POST /requests/:id/reopen': { path: (world) => `${r(world, 'validatedToReopen')}/reopen` },
  'POST /requests/:id/approve': {
    path: (world, _, state) => `${r(world, 'toApprove', state)}/approve`,
    body: () => ({}),
  },
  'POST /requests/:id/refuse': {
    path: (world, _, state) => `${r(world, 'toRefuse', state)}/refuse`,
    body: () => reason,
  },
  'POST /requests/:id/request-changes': {
    path: (world, _, state) => `${r(world, 'toRequestChanges', state)}/request-changes`,
    body: () => reason,
  },
  'POST /requests/:id/revoke': {
    path: (world, _, state) => `${r(world, 'validatedToRevoke', state)}/revoke`,
    body: () => reason,
  },
  'POST /requests/:id/resolve': { path: (world, _, state) => `${r(world, 'heldForSupport', state)}/resolve` },
  'GET /requests/:id/attachments': {
    path: (world, _, state) => `${r(world, 'submitted', state)}/attachments`,
  },
  'POST /requests/:id/attachments': { path: (world) => `${r(world, 'draft')}/attachments`, pdf: true },
  'GET /requests/:id/attachments/:attachmentId': { path: (world, _, state) => file(world, state) },
  'DELETE /requests/:id/attachments/:attachmentId': {
    // A file of its own for each call: the first removal would otherwise leave the others nothing to remove.
    path: async (world) => `${r(world, 'draft')}/attachments/${await world.newDraftAttachment()}`,
  },
  // Drafts asked for by name: the queue must still list only what has been submitted.
  'GET /instruction/requests': { path: () => '/instruction/requests?state=draft' },
  'GET /requests/:id/events': { path: (world, _, state) => `${r(world, 'submitted', state)}/events` },
  'GET /requests/:id/changes': { path: (world, _, state) => `${r(world, 'submitted', state)}/changes` },
  'GET /requests/:id/messages': { path: (world, _, state) => `${r(world, 'submitted', state)}/messages` },
  'POST /requests/:id/messages': {
    path: (world, _, state) => `${r(world, 'submitted', state)}/messages`,
    body: () => ({ body: 'Pouvez-vous préciser le service concerné ?' }),
  },
  'GET /requests/:id/notes': { path: (world, _, state) => `${r(world, 'submitted', state)}/notes` },
  'POST /requests/:id/notes': {
    path: (world, _, state) => `${r(world, 'submitted', state)}/notes`,
    body: () => ({ body: 'Relancer le délégué à la protection des données.' }),
  },
  'POST /requests/:id/assign': {
    path: (world, _, state) => `${r(world, 'submitted', state)}/assign`,
    body: () => ({ assign: true }),
  },
  'GET /requests/:id/opinions': { path: (world, _, state) => `${r(world, 'submitted', state)}/opinions` },
  'POST /requests/:id/opinions': {
    path: (world, _, state) => `${r(world, 'submitted', state)}/opinions`,
    body: (world) => ({
      reporterId: world.actors.reporter.userId,
      question: 'Un avis sur la durée de conservation ?',
    }),
  },
  'POST /requests/:id/opinions/answer': {
    path: (world, _, state) => `${r(world, 'submitted', state)}/opinions/answer`,
    body: (world) => ({ opinionId: world.opinionId, answer: 'Le cadre juridique est suffisant.' }),
  },
  'POST /organisations/:siret/invitations': {
    path: (world) => `${org(world)}/invitations`,
    body: () => ({ count: 1, roles: ['demandeur'] }),
    shows: (json) => json.codes.map((code: { code: string }) => code.code),
  },
  'GET /organisations/:siret/invitations': { path: (world) => `${org(world)}/invitations` },
  'GET /organisations/:siret/invitations.csv': { path: (world) => `${org(world)}/invitations.csv` },
  'POST /organisations/:siret/invitations/:id/deactivate': {
    path: (world) => `${org(world)}/invitations/${world.invitation.id}/deactivate`,
  },
  'POST /invitations/redeem': {
    path: () => '/invitations/redeem',
    // Deactivated: refused (410) to whoever tries, so that nobody joins the organisation here.
    body: (world) => ({ code: world.invitation.code }),
  },
  'GET /organisations/:siret/members': { path: (world) => `${org(world)}/members` },
  'GET /organisations/:siret/members.csv': { path: (world) => `${org(world)}/members.csv` },
  'PATCH /organisations/:siret/members/:userId': {
    path: (world) => `${org(world)}/members/${world.memberId}`,
    body: () => ({ roles: ['demandeur'] }),
  },
  'DELETE /organisations/:siret/members/:userId': {
    // The main manager: refused (409) to those who may remove members, and to the main manager leaving.
    path: (world) => `${org(world)}/members/${world.actors.mainManager.userId}`,
  },
  'POST /organisations/:siret/main-manager': {
    path: (world) => `${org(world)}/main-manager`,
    // To oneself: refused (422) to the main manager, so that the role stays where the other probes expect it.
    body: (world, actor) => ({ userId: actor.userId ?? world.actors.mainManager.userId }),
  },
  'GET /organisations/:siret/events': { path: (world) => `${org(world)}/events` },
  'GET /habilitations': { path: () => '/habilitations' },
  'GET /habilitations/:id': { path: (world) => `/habilitations/${world.habilitationId}` },
  'POST /tokens/:id/reveal': {
    path: (world) => `/tokens/${world.tokenId}/reveal`,
    shows: (json) => [json.token],
  },
  'POST /tokens/:id/rotate': {
    path: (world) => `/tokens/${world.tokenId}/rotate`,
    body: () => ({ graceHours: 1 }),
  },
  'POST /tokens/:id/revoke': { path: (world) => `/tokens/${world.tokenId}/revoke` },
  'POST /tokens/:id/renew': {
    path: (world) => `/tokens/${world.tokenId}/renew`,
    body: () => ({ confirmSamePurpose: true, confirmSameContacts: true }),
  },
  'GET /organisations/:siret/technical-accounts': { path: (world) => `${org(world)}/technical-accounts` },
  'POST /organisations/:siret/technical-accounts': {
    path: (world) => `${org(world)}/technical-accounts`,
    shows: (json) => [json.password],
  },
  'POST /organisations/:siret/technical-accounts/:id/reset-password': {
    path: (world) => `${org(world)}/technical-accounts/${world.technicalAccounts.toReset}/reset-password`,
    body: () => ({ confirm: true }),
    shows: (json) => [json.password],
  },
  'DELETE /organisations/:siret/technical-accounts/:id': {
    path: (world) => `${org(world)}/technical-accounts/${world.technicalAccounts.toDelete}`,
  },
  'POST /admin/definitions/:slug/provider-credentials': {
    path: (world) => `/admin/definitions/${world.definition}/provider-credentials`,
    body: () => ({ label: 'Recette' }),
    shows: (json) => [json.clientSecret],
  },
  'GET /admin/definitions/:slug/provider-credentials': {
    path: (world) => `/admin/definitions/${world.definition}/provider-credentials`,
  },
  'DELETE /admin/definitions/:slug/provider-credentials/:id': {
    path: (world) =>
      `/admin/definitions/${world.definition}/provider-credentials/${world.providerCredentialId}`,
  },
  'POST /introspect': {
    path: () => '/introspect',
    form: { token: `sesame_${'a'.repeat(40)}` },
  },
  'POST /definitions/:slug/webhooks': {
    path: hooks,
    body: () => ({ url: WORLD_WEBHOOK_URL, events: ['request.validated'] }),
    shows: (json) => [json.secret],
  },
  'GET /definitions/:slug/webhooks': { path: hooks },
  'GET /definitions/:slug/webhooks/:id': { path: hook },
  'PATCH /definitions/:slug/webhooks/:id': { path: hook, body: () => ({ events: ['request.refused'] }) },
  'DELETE /definitions/:slug/webhooks/:id': {
    path: async (world) => `${hooks(world)}/${await world.newWebhookEndpoint()}`,
  },
  'POST /definitions/:slug/webhooks/:id/test': { path: (world) => `${hook(world)}/test` },
  'POST /definitions/:slug/webhooks/:id/rotate-secret': {
    path: (world) => `${hook(world)}/rotate-secret`,
    shows: (json) => [json.secret],
  },
  'GET /definitions/:slug/webhooks/:id/deliveries': { path: (world) => `${hook(world)}/deliveries` },
  'POST /definitions/:slug/webhooks/:id/deliveries/:eventId/replay': {
    path: (world) => `${hook(world)}/deliveries/${world.webhook.eventId}/replay`,
  },
  'POST /definitions/:slug/webhooks/:id/deliveries/replay-failed': {
    path: (world) => `${hook(world)}/deliveries/replay-failed`,
    body: () => ({ since: '2020-01-01T00:00:00Z' }),
  },
  'GET /provider/events': { path: () => '/provider/events' },
  'GET /provider/habilitations': { path: () => '/provider/habilitations' },
};

/** The outcome an answer shows: what the caller was told. */
function outcomeOf(answer: HttpAnswer, declared: Outcome): Outcome | 'unexpected' {
  if (answer.status >= 500 || answer.status === 429) return 'unexpected';
  if (answer.status === 401) return 'unauthenticated';
  if (answer.status === 403) return 'forbidden';
  if (answer.status === 404) return 'notFound';
  const field = typeof declared === 'object' ? declared.invalidField : undefined;
  if (
    field !== undefined &&
    answer.status === 422 &&
    (answer.json?.errors as { path: string }[] | undefined)?.some((error) => error.path === field)
  )
    return declared;
  return 'allowed';
}

const describeOutcome = (outcome: Outcome | 'unexpected') =>
  typeof outcome === 'object' ? `422 on ${outcome.invalidField}` : outcome;
const same = (a: Outcome | 'unexpected', b: Outcome) => describeOutcome(a) === describeOutcome(b);

let platform: TestPlatform;
let world: World;
const answers: { key: string; actor: ActorKind; text: string }[] = [];
const shown: { secret: string; key: string; actor: ActorKind }[] = [];
const timings = { setupMs: 0, probesStartedAt: 0, probes: 0 };

before(async () => {
  const started = Date.now();
  platform = await startTestPlatform({ env: { WEBHOOK_ALLOW_LOCAL_HTTP: 'true' } });
  world = await buildAuthorizationWorld(platform);
  timings.setupMs = Date.now() - started;
  timings.probesStartedAt = Date.now();
});

after(async () => {
  console.log(
    JSON.stringify({
      operations: ROUTES.length,
      actorKinds: ACTOR_KINDS.length,
      probes: timings.probes,
      worldSetupMs: timings.setupMs,
      probesMs: Date.now() - timings.probesStartedAt,
    }),
  );
  await platform?.stop();
});

async function send(client: HttpClient, route: AnyRoute, probe: Probe, path: string, actor: Actor) {
  const url = `/api/v1${path}`;
  if (probe.pdf) {
    const form = new FormData();
    form.set('kind', 'other');
    form.set('file', new Blob([samplePdf()], { type: 'application/pdf' }), 'piece.pdf');
    const request = new Request('http://x/', { method: 'POST', body: form });
    return client.request('POST', url, {
      headers: {
        'content-type': request.headers.get('content-type')!,
        ...(client.csrfToken ? { 'x-csrf-token': client.csrfToken } : {}),
      },
      body: Buffer.from(await request.arrayBuffer()),
    });
  }
  if (probe.form) {
    return client.request('POST', url, {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(probe.form).toString(),
    });
  }
  return client.send(route.method.toUpperCase(), url, probe.body?.(world, actor));
}

const patternOf = (path: string) =>
  new RegExp(`^${path.replace(/:[A-Za-z]+/g, '[^/]+').replace(/\./g, '\\.')}$`);

describe(
  'the authorisation matrix: every operation, called by every kind of person',
  { concurrency: 4 },
  () => {
    it('covers every operation the API serves, whose policy the OpenAPI document shows', async () => {
      const document = (await platform.client().get('/api/v1/openapi.json')).json as {
        paths: Record<string, Record<string, { 'x-sesame-access'?: unknown }>>;
      };
      const served = Object.entries(document.paths).flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => `${method.toUpperCase()} ${path.replace(/^\/api\/v1/, '')}`),
      );
      const openApiPath = (route: AnyRoute) => `/api/v1${route.path.replace(/:([A-Za-z]+)/g, '{$1}')}`;
      const declared = ROUTES.map((route) => `${route.method.toUpperCase()} ${openApiPath(route).slice(7)}`);
      assert.deepEqual([...served].sort(), [...declared].sort());
      for (const route of ROUTES)
        assert.deepEqual(
          document.paths[openApiPath(route)]![route.method]!['x-sesame-access'],
          JSON.parse(JSON.stringify(route.access)),
          `${keyOf(route)}: the OpenAPI document shows its policy`,
        );
    });

    for (const route of ROUTES) {
      const key = keyOf(route);
      it(key, async () => {
        assert.ok(route.access, `${key} declares no access policy: add \`access\` to its defineRoute`);
        const policies = [route.access, route.access.whileDraft, route.access.whileHeldForSupport];
        for (const kind of policies.flatMap((policy) => [
          ...(policy?.allowed ?? []),
          ...(policy?.forbidden ?? []),
        ]))
          assert.ok(
            world.actors[kind],
            `${key} names the actor kind '${kind}', which the world cannot produce`,
          );
        const probe = PROBES[key];
        assert.ok(probe, `${key} has no probe input: add a valid-shaped call for it to PROBES`);

        const mismatches: string[] = [];
        for (const state of [undefined, ...declaredCases(route.access)]) {
          const on = state
            ? ` (on a request ${state === 'draft' ? 'never submitted' : 'held for support'})`
            : '';
          // One person after the other, in the order of ACTOR_KINDS (support before the platform admin, the
          // instructor before it): when a state-changing call succeeds, the next person allowed meets a state
          // refusal (409), which is still the route's own answer, while access is decided on the same object.
          for (const kind of ACTOR_KINDS) {
            const actor = world.actors[kind];
            const path = await probe.path(world, actor, state);
            assert.match(
              path.split('?')[0]!,
              patternOf(route.path),
              `${key}: the probe's path ${path} is not this route's`,
            );
            if (state)
              assert.notEqual(
                path,
                await probe.path(world, actor),
                `${key}: its probe ignores the request's state`,
              );
            const client = probe.ownSession ? await actor.signInAgain() : actor.client;
            const answer = await send(client, route, probe, path, actor);
            timings.probes += 1;
            answers.push({ key, actor: kind, text: answer.text });
            const expected = expectedOutcome(route, kind, state);
            const got = outcomeOf(answer, expected);
            if (!same(got, expected))
              mismatches.push(
                `${kind}${on}: expected ${describeOutcome(expected)}, got ${answer.status} ${answer.text.slice(0, 200)}`,
              );
            const facts = [
              ...(OUTSIDERS.includes(kind) ? world.privateFacts : []),
              ...(NOT_FOR_DRAFTS.includes(kind) ? world.draftFacts : []),
            ];
            const leaked = facts.filter((fact) => answer.text.includes(fact));
            if (leaked.length > 0) mismatches.push(`${kind}${on} may not read: ${leaked.join(', ')}`);
            for (const secret of world.secrets)
              if (answer.text.includes(secret.value))
                mismatches.push(`${kind}${on} was answered ${secret.label}`);
            if (probe.shows && answer.status < 300 && answer.json)
              for (const secret of probe.shows(answer.json)) shown.push({ secret, key, actor: kind });
          }
        }
        assert.deepEqual(mismatches, [], `${key}:\n  ${mismatches.join('\n  ')}`);
      });
    }
  },
);

describe('what the calls above sent by email', () => {
  it('tells no staff member of an organisation’s draft', async () => {
    const staff = NOT_FOR_DRAFTS.map((kind) => world.actors[kind].email!);
    const { rows } = await platform.services.db.query<{
      recipient: string;
      subject: string;
      text_body: string;
    }>('SELECT recipient, subject, text_body FROM outbox_emails WHERE recipient = ANY($1)', [staff]);
    assert.ok(rows.length > 0, 'the instruction side was emailed (submissions, messages, an opinion asked)');
    const told = rows.filter((row) =>
      world.draftFacts.some((fact) => `${row.subject}\n${row.text_body}`.includes(fact)),
    );
    assert.deepEqual(
      told.map((row) => `${row.recipient}: ${row.subject}`),
      [],
      'emails to staff naming a draft never submitted',
    );
  });
});

describe('secrets made for the world and by the probes', () => {
  const everySecret = () => [
    ...world.secrets.map((secret) => ({ label: secret.label, value: secret.value })),
    ...shown.map((entry) => ({ label: `a secret shown by ${entry.key}`, value: entry.secret })),
  ];

  it('a secret a route shows once is in that answer and in no other', () => {
    assert.ok(shown.length > 0, 'the probes were shown secrets (codes, passwords, a client secret)');
    for (const entry of shown) {
      const holders = answers.filter((answer) => answer.text.includes(entry.secret));
      assert.equal(holders.length, 1, `${entry.key} showed a secret that ${holders.length} answers hold`);
    }
  });

  it('are in no log line', () => {
    const logs = platform.logs.text;
    for (const secret of everySecret())
      assert.ok(!logs.includes(secret.value), `the logs hold ${secret.label}`);
  });

  it('are in no stored email', async () => {
    const { rows } = await platform.services.db.query<{
      subject: string;
      text_body: string;
      html_body: string;
    }>('SELECT subject, text_body, html_body FROM outbox_emails');
    assert.ok(rows.length > 0);
    const stored = rows.map((row) => `${row.subject}\n${row.text_body}\n${row.html_body}`).join('\n');
    for (const secret of everySecret())
      assert.ok(!stored.includes(secret.value), `an email holds ${secret.label}`);
  });

  it('are in no workflow history', async () => {
    const client = platform.services.temporal.client;
    const ids: string[] = [];
    for await (const execution of client.workflow.list({
      query: `TaskQueue = "${platform.config.temporal.taskQueue}"`,
    }))
      ids.push(execution.workflowId);
    assert.ok(ids.length > 0);
    const texts: string[] = [];
    for (let i = 0; i < ids.length; i += 8)
      texts.push(
        ...(await Promise.all(
          ids
            .slice(i, i + 8)
            .map(async (id) => historyText(await client.workflow.getHandle(id).fetchHistory())),
        )),
      );
    const recorded = texts.join('\n');
    for (const secret of everySecret())
      assert.ok(!recorded.includes(secret.value), `a workflow history holds ${secret.label}`);
  });
});

describe('the demo reporter', () => {
  it('signs in, reads the API Entreprise queue, and is asked an opinion by an instructor', async () => {
    const reporter = platform.client();
    const signedIn = await reporter.signIn('rapporteur@sesame.test', DEMO_PASSWORD);
    assert.equal(signedIn.status, 200, signedIn.text);
    const queue = await reporter.get('/api/v1/instruction/requests?definition=api-entreprise');
    assert.equal(queue.status, 200, queue.text);
    assert.ok(
      (queue.json.items as { request: { id: string } }[]).some(
        (item) => item.request.id === world.requests.submitted,
      ),
      'the submitted request is in the reporter’s queue',
    );
    const asked = await world.actors.instructor.client.send(
      'POST',
      `/api/v1/requests/${world.requests.submitted}/opinions`,
      { reporterId: signedIn.json.user.id, question: 'Votre avis sur la finalité ?' },
    );
    assert.equal(asked.status, 201, asked.text);
    const opinions = await reporter.get(`/api/v1/requests/${world.requests.submitted}/opinions`);
    assert.ok(
      (opinions.json as { id: string; answer: string | null }[]).some(
        (opinion) => opinion.id === asked.json.id && opinion.answer === null,
      ),
      'the reporter sees the question waiting for an answer',
    );
  });
});
