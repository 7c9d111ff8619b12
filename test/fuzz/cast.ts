import assert from 'node:assert/strict';
import { SESSION_COOKIE } from '../../http/session.ts';
import { GOOD_PASSWORD, SIRET } from '../helpers/accounts.ts';
import {
  approvedTechnicalAccountRequest,
  approvedToken,
  providerCredentials,
  submitRequest,
} from '../helpers/habilitations.ts';
import { csrfTokenOf, type HttpClient } from '../helpers/http-client.ts';
import { createPerson } from '../helpers/people.ts';
import { DEMO_PASSWORD, type TestPlatform } from '../helpers/platform.ts';
import { applicantWithDraft, samplePdf, signInInstructor, upload } from '../helpers/requests.ts';
import type { CallerName, SendContext } from './fuzz-request.ts';
import { SecretWatch } from './secrets.ts';
import type { ObjectRef } from './symbolic-values.ts';

/**
 * The people the fuzz suite sends its requests as, and what they own: an applicant who is the main manager of an
 * organisation with two drafts (a file attached, a message), a submitted request, an approved one with its token
 * revealed, a technical account, invitation codes and a second member; the definitions' instructor; the platform
 * admin; a visitor with a session but no account (the public forms need a CSRF token); a provider's client
 * credentials. Their ids fill the generated requests' references, their secrets are watched.
 */
export interface Cast {
  context: SendContext;
  secrets: SecretWatch;
  /** Ids and values by what names them (`requests/id`, `siret`, `step`…); pages add what they show. */
  pools: Map<string, string[]>;
  learn(key: string, value: string): void;
  /** A caller whose session a request ended (sign-out) signs in again; answers whether it had to. */
  recover(caller: CallerName): Promise<boolean>;
  client(caller: SignedCaller): HttpClient;
}

export type SignedCaller = 'applicant' | 'instructor' | 'admin' | 'visitor';

/** Addresses of the documentation range (RFC 5737), one per renewal: no per-address limit is reached. */
const recoveryAddress = (renewal: number) => `198.51.100.${(renewal % 250) + 1}`;

/** The demo staff accounts the platform seeds (their password is DEMO_PASSWORD). */
const STAFF_EMAILS = { instructor: 'instructeur@sesame.test', admin: 'admin@sesame.test' };

/** The API names a collection in English, the pages in French: both name the same objects. */
const SAME_OBJECTS: [string, string[]][] = [
  ['requests', ['demandes', 'instruction', 'requests/id', 'demandes/id']],
  ['attachments', ['attachmentId', 'pieces-jointes']],
  ['tokens', ['tokens/id', 'jetons/id']],
  // `/jetons/:id` shows a habilitation, `/jetons/:habilitation/:id/…` acts on a token: `jetons/id` holds both.
  ['habilitations', ['habilitation', 'habilitations/id', 'jetons/habilitation', 'jetons/id']],
  ['technical-accounts', ['comptes-techniques', 'technical-accounts/id', 'comptes-techniques/id']],
  ['invitations', ['codes-invitation', 'invitations/id', 'codes-invitation/id']],
  ['members', ['membres', 'userId', 'reporterId', 'members/userId', 'membres/userId']],
  ['siret', ['organisations/siret', 'organisation']],
  ['slug', ['definitions', 'definition', 'definitions/slug']],
  ['provider-credentials', ['provider-credentials/id']],
];

export async function assembleCast(platform: TestPlatform): Promise<Cast> {
  const secrets = new SecretWatch();
  const pools = new Map<string, string[]>();
  const learn = (key: string, value: string) => {
    const pool = pools.get(key) ?? [];
    if (!pool.includes(value)) pool.push(value);
    pools.set(key, pool);
  };
  const own = (collection: string, value: string) => {
    learn(collection, value);
    for (const [name, aliases] of SAME_OBJECTS)
      if (name === collection) for (const alias of aliases) learn(alias, value);
  };

  // The applicant: main manager of the commune, with a draft.
  const { client: applicant, email, userId, requestId: draftId } = await applicantWithDraft(platform);
  own('requests', draftId);
  own('members', userId);
  own('siret', SIRET.commune);
  own('siret', SIRET.region);
  for (const slug of ['api-entreprise', 'api-particulier', 'chorus-pro']) own('slug', slug);
  const attached = await upload(applicant, draftId, { name: 'deliberation.pdf', content: samplePdf() });
  assert.equal(attached.status, 201, attached.text);
  own('attachments', attached.json.id);
  const message = await applicant.send('POST', `/api/v1/requests/${draftId}/messages`, {
    body: 'Bonjour, voici notre demande.',
  });
  assert.equal(message.status, 201, message.text);

  const secondDraft = await applicant.send('POST', '/api/v1/requests', {
    definition: 'api-particulier',
    siret: SIRET.commune,
  });
  assert.equal(secondDraft.status, 201, secondDraft.text);
  own('requests', secondDraft.json.id);
  own('requests', await submitRequest(applicant, { definition: 'api-particulier' }));
  const token = await approvedToken(platform, applicant);
  own('requests', token.requestId);
  own('habilitations', token.habilitationId);
  own('tokens', token.tokenId);
  const revealed = await applicant.send('POST', `/api/v1/tokens/${token.tokenId}/reveal`);
  assert.equal(revealed.status, 200, revealed.text);
  secrets.add('the revealed token', revealed.json.token);

  const technical = await approvedTechnicalAccountRequest(platform, applicant);
  own('requests', technical.requestId);
  own('habilitations', technical.habilitationId);
  const account = await applicant.send('POST', `/api/v1/organisations/${SIRET.commune}/technical-accounts`);
  assert.equal(account.status, 201, account.text);
  own('technical-accounts', account.json.id);
  secrets.add('a technical account’s password', account.json.password);

  const codes = await applicant.send('POST', `/api/v1/organisations/${SIRET.commune}/invitations`, {
    count: 2,
    roles: ['demandeur'],
  });
  assert.equal(codes.status, 201, codes.text);
  for (const code of codes.json.codes as { id: string; code: string }[]) {
    own('invitations', code.id);
    secrets.add('an invitation code', code.code);
  }
  const member = await createPerson(platform, {
    invitedBy: { admin: applicant, siret: SIRET.commune, roles: ['demandeur'] },
  });
  own('members', member.userId);

  const provider = await providerCredentials(platform, 'api-entreprise');
  secrets.add('a provider’s client secret', provider.clientSecret);

  const instructor = await signInInstructor(platform);
  const admin = platform.client();
  const adminSignedIn = await admin.signIn(STAFF_EMAILS.admin, DEMO_PASSWORD);
  assert.equal(adminSignedIn.status, 200, adminSignedIn.text);
  const visitor = platform.client();
  const signInPage = await visitor.get('/connexion');
  visitor.csrfToken = csrfTokenOf(signInPage.text);

  secrets.add('the applicant’s password', GOOD_PASSWORD);
  secrets.add('the staff’s password', DEMO_PASSWORD);
  const clients: Record<SignedCaller, HttpClient> = { applicant, instructor, admin, visitor };
  const watchSession = (client: HttpClient, whose: string) => {
    const cookie = client.cookie(SESSION_COOKIE);
    secrets.add(`the ${whose}’s session cookie`, cookie);
    if (cookie) {
      const decoded = decodeURIComponent(cookie);
      secrets.add(`the ${whose}’s session cookie`, decoded);
      secrets.add(`the ${whose}’s session id`, /^s:([^.]+)\./.exec(decoded)?.[1]);
    }
    secrets.add(`the ${whose}’s CSRF token`, client.csrfToken);
  };
  for (const [whose, client] of Object.entries(clients)) watchSession(client, whose);

  const allIds = () => [...new Set([...pools.values()].flat())];
  const context: SendContext = {
    resolveRef(ref: ObjectRef): string {
      const [collection = '', name = ''] = ref.hint.split('/');
      const pool = pools.get(ref.hint) ?? pools.get(name) ?? pools.get(collection) ?? allIds();
      return pool[ref.pick % pool.length] ?? '';
    },
    session(caller) {
      if (caller === 'anonymous') return {};
      const client = clients[caller];
      const cookie = client.cookie(SESSION_COOKIE);
      return { cookie: cookie ? `${SESSION_COOKIE}=${cookie}` : undefined, csrfToken: client.csrfToken };
    },
    providerBasic: () => provider.basic,
  };

  let renewals = 0;
  async function recover(caller: CallerName): Promise<boolean> {
    if (caller === 'anonymous') return false;
    const client = clients[caller];
    if (caller === 'visitor') {
      const page = await client.get('/connexion');
      const fresh = csrfTokenOf(page.text);
      if (fresh === client.csrfToken) return false;
      client.csrfToken = fresh;
      watchSession(client, caller);
      return true;
    }
    const me = await client.get('/api/v1/me');
    if (me.status !== 401) return false;
    // From an address of its own: the fuzz's failed sign-ins (some from 127.0.0.1) must not lock this one out.
    renewals += 1;
    const fresh = platform.client({ ip: recoveryAddress(renewals) });
    const signedIn = await fresh.signIn(
      caller === 'applicant' ? email : STAFF_EMAILS[caller],
      caller === 'applicant' ? GOOD_PASSWORD : DEMO_PASSWORD,
    );
    assert.equal(signedIn.status, 200, `${caller} signs in again: ${signedIn.text}`);
    clients[caller] = fresh;
    watchSession(fresh, caller);
    return true;
  }

  return { context, secrets, pools, learn, recover, client: (caller) => clients[caller] };
}
