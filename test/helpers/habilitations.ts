import assert from 'node:assert/strict';
import { createCredentialActivities } from '../../activities/credentials.ts';
import { SIRET } from './accounts.ts';
import type { HttpClient } from './http-client.ts';
import { DEMO_PASSWORD, eventually, type TestPlatform } from './platform.ts';
import { completeForm, definitionFile, fillAndSubmit, signInInstructor } from './requests.ts';

/**
 * Habilitations and their credentials as people get them: through the JSON API and the request's workflow.
 * The applicant creates the request, saves a complete form and submits it; the definition's instructor
 * approves it (possibly narrowing the scopes); the request's workflow creates the habilitation and issues its
 * token. Nothing here writes to the database.
 */

/** How long a test waits for the request's workflow to issue a token (a loaded machine, a worker restarting). */
export const ISSUANCE_DEADLINE_MS = 60_000;

const instructors = new WeakMap<TestPlatform, Promise<HttpClient>>();

/** The demo instructor of every definition, signed in once per platform. */
export function instructorOf(platform: TestPlatform): Promise<HttpClient> {
  let instructor = instructors.get(platform);
  if (!instructor) {
    instructor = signInInstructor(platform);
    instructors.set(platform, instructor);
  }
  return instructor;
}

export interface RequestOptions {
  definition: string;
  /** The organisation the request is for; the commune by default. */
  siret?: string;
  /** The scopes the applicant asks for (see completeForm for the default). */
  scopes?: string[];
  /** A complete form of the test's own, instead of one built from the definition file. */
  form?: object;
}

/** The applicant creates a request, saves a complete form and submits it; answers the request's id. */
export async function submitRequest(applicant: HttpClient, options: RequestOptions): Promise<string> {
  const created = await applicant.send('POST', '/api/v1/requests', {
    definition: options.definition,
    siret: options.siret ?? SIRET.commune,
  });
  assert.equal(created.status, 201, created.text);
  const requestId = created.json.id as string;
  await fillAndSubmit(
    applicant,
    requestId,
    options.form ?? completeForm(options.definition, { scopes: options.scopes }),
  );
  return requestId;
}

/** The instructor approves a submitted request, granting `scopes` (fewer than asked) or all it asks for. */
export async function approve(platform: TestPlatform, requestId: string, scopes?: string[]): Promise<string> {
  const instructor = await instructorOf(platform);
  const approved = await instructor.send(
    'POST',
    `/api/v1/requests/${requestId}/approve`,
    scopes ? { scopes } : {},
  );
  assert.equal(approved.status, 200, approved.text);
  assert.equal(approved.json.state, 'validated');
  const habilitationId = approved.json.habilitationId as string;
  assert.ok(habilitationId, 'the approval names the habilitation it created');
  return habilitationId;
}

export interface Approved {
  requestId: string;
  habilitationId: string;
}

/** A request made by `applicant`, submitted and approved (`grantedScopes`: the instructor narrows them). */
export async function approvedRequest(
  platform: TestPlatform,
  applicant: HttpClient,
  options: RequestOptions & { grantedScopes?: string[] },
): Promise<Approved> {
  const requestId = await submitRequest(applicant, options);
  return { requestId, habilitationId: await approve(platform, requestId, options.grantedScopes) };
}

/**
 * The token the request's workflow issued for a habilitation, once it is there (seen through the holder's
 * dashboard API); a habilitation gets exactly one at issuance.
 */
export async function issuedTokenOf(holder: HttpClient, habilitationId: string): Promise<string> {
  const tokens = await eventually(
    async () => {
      const answer = await holder.get(`/api/v1/habilitations/${habilitationId}`);
      assert.notEqual(answer.status, 404, `the holder sees habilitation ${habilitationId}`);
      return answer.status === 200 && answer.json.tokens.length > 0
        ? (answer.json.tokens as { id: string }[])
        : undefined;
    },
    ISSUANCE_DEADLINE_MS,
    `the token of habilitation ${habilitationId}`,
  );
  assert.equal(tokens.length, 1, 'one token per approval');
  return tokens[0]!.id;
}

/** An approved request of a token definition (API Entreprise by default) and the token it was issued. */
export async function approvedToken(
  platform: TestPlatform,
  applicant: HttpClient,
  options: Partial<RequestOptions> & { grantedScopes?: string[] } = {},
): Promise<Approved & { tokenId: string }> {
  const definition = options.definition ?? 'api-entreprise';
  assert.ok(definitionFile(definition).credentialTypes.includes('token'), `${definition} issues tokens`);
  const approved = await approvedRequest(platform, applicant, { ...options, definition });
  return { ...approved, tokenId: await issuedTokenOf(applicant, approved.habilitationId) };
}

/** The technical-account definition (the Chorus Pro–like one), requested and approved: no token is issued. */
export const TECHNICAL_ACCOUNT_DEFINITION = 'chorus-pro';

export async function approvedTechnicalAccountRequest(
  platform: TestPlatform,
  applicant: HttpClient,
  options: Partial<RequestOptions> & { grantedScopes?: string[] } = {},
): Promise<Approved> {
  const definition = options.definition ?? TECHNICAL_ACCOUNT_DEFINITION;
  assert.ok(
    definitionFile(definition).credentialTypes.includes('technical_account'),
    `${definition} uses technical accounts`,
  );
  return approvedRequest(platform, applicant, { ...options, definition });
}

/**
 * A validated request updated and approved again: the applicant reopens it, saves `changes` (the form as it
 * was, by default), submits; the instructor approves. Answers the new revision's habilitation.
 */
export async function reopenAndApprove(
  platform: TestPlatform,
  applicant: HttpClient,
  requestId: string,
  options: { changes?: object; grantedScopes?: string[] } = {},
): Promise<string> {
  const reopened = await applicant.send('POST', `/api/v1/requests/${requestId}/reopen`);
  assert.equal(reopened.status, 200, reopened.text);
  assert.equal(reopened.json.state, 'draft');
  const current = await applicant.get(`/api/v1/requests/${requestId}`);
  assert.equal(current.status, 200, current.text);
  await fillAndSubmit(applicant, requestId, options.changes ?? current.json.data);
  return approve(platform, requestId, options.grantedScopes);
}

/** The instructor revokes a validated request, with the reason the API requires. */
export async function revokeRequest(
  platform: TestPlatform,
  requestId: string,
  reason = 'Usage non conforme aux conditions générales.',
): Promise<void> {
  const instructor = await instructorOf(platform);
  const revoked = await instructor.send('POST', `/api/v1/requests/${requestId}/revoke`, { reason });
  assert.equal(revoked.status, 200, revoked.text);
  assert.equal(revoked.json.state, 'revoked');
}

/**
 * The issuance step run again on a habilitation, as a retry does after a worker died once the step had
 * committed (the request's workflow is the one way a credential is issued): answers the token ids it found.
 */
export async function retryIssuance(platform: TestPlatform, habilitationId: string): Promise<string[]> {
  const { db, mailer, publicUrl, logger, credentials, webhooks } = platform.services;
  const { issueCredentials } = createCredentialActivities({
    db,
    mailer,
    publicUrl,
    logger,
    credentials,
    webhooks,
  });
  return (await issueCredentials(habilitationId)).tokenIds;
}

/**
 * `from` plus a definition's `validityMonths` (its file's), in calendar months as PostgreSQL adds them: the
 * same day of the month, or the month's last day when it has no such day.
 */
export function afterValidity(definition: string, from: Date): Date {
  const months = definitionFile(definition).validityMonths;
  const target = new Date(from);
  target.setUTCDate(1);
  target.setUTCMonth(target.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(from.getUTCDate(), lastDay));
  return target;
}

/** Creates provider client credentials for a definition through the admin API. */
export async function providerCredentials(
  platform: TestPlatform,
  definition: string,
): Promise<{ clientId: string; clientSecret: string; basic: string }> {
  const admin = platform.client();
  const signedIn = await admin.signIn('admin@sesame.test', DEMO_PASSWORD);
  if (signedIn.status !== 200) throw new Error(`admin sign-in: ${signedIn.status}`);
  const answer = await admin.send('POST', `/api/v1/admin/definitions/${definition}/provider-credentials`, {
    label: `Tests ${definition}`,
  });
  if (answer.status !== 201) throw new Error(`provider credentials: ${answer.status} ${answer.text}`);
  const { clientId, clientSecret } = answer.json as { clientId: string; clientSecret: string };
  return {
    clientId,
    clientSecret,
    basic: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
  };
}

/** Calls introspection as a provider does. */
export async function introspect(
  platform: TestPlatform,
  authorization: string | undefined,
  fields: Record<string, string>,
) {
  return platform.client().request('POST', '/api/v1/introspect', {
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(authorization ? { authorization } : {}),
    },
    body: new URLSearchParams(fields).toString(),
  });
}
