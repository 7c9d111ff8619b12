import { createHabilitationOnce, type Habilitation } from '../../store/habilitations';
import { findOrganisationBySiret } from '../../store/organisations';
import { withTransaction } from '../../store/pool';
import {
  credentialIssuanceWorkflowId,
  type issueHabilitationCredentials,
} from '../../workflows/credential-issuance';
import { DEMO_PASSWORD, type TestPlatform } from './platform';

/**
 * Stands in for an approval until the access-request workflow exists: a validated request of the organisation
 * and its habilitation, made with the same store function the approval uses.
 */
export async function grantHabilitation(
  platform: TestPlatform,
  grant: { siret: string; definition: string; scopes: string[]; validUntil?: Date; requestId?: string },
): Promise<Habilitation> {
  const { db } = platform.services;
  const organisation = await findOrganisationBySiret(db, grant.siret);
  if (!organisation) throw new Error(`no organisation ${grant.siret}: sign a member up first`);
  return withTransaction(db, async (tx) => {
    let requestId = grant.requestId;
    let revision = 1;
    if (requestId === undefined) {
      const { rows } = await tx.query<{ id: string }>(
        `INSERT INTO access_requests (definition, organisation_id, state, version, submitted_at, decided_at)
         VALUES ($1, $2, 'validated', 2, now(), now()) RETURNING id`,
        [grant.definition, organisation.id],
      );
      requestId = rows[0]!.id;
    } else {
      // A reopened and approved again request: its next revision.
      const { rows } = await tx.query<{ revision: number }>(
        `UPDATE access_requests SET revision = revision + 1 WHERE id = $1 RETURNING revision`,
        [requestId],
      );
      revision = rows[0]!.revision;
    }
    const { habilitation } = await createHabilitationOnce(tx, {
      requestId,
      revision,
      organisationId: organisation.id,
      definition: grant.definition,
      scopes: grant.scopes,
      validUntil: grant.validUntil ?? new Date(Date.now() + 540 * 86_400_000),
      approvedBy: null,
    });
    return habilitation;
  });
}

/** Runs the issuance as a workflow on the platform's task queue (a worker must be running); returns the token ids. */
export async function issueCredentialsFor(
  platform: TestPlatform,
  habilitationId: string,
  runSuffix = '',
): Promise<string[]> {
  const { client, taskQueue } = platform.services.temporal;
  return client.workflow.execute<typeof issueHabilitationCredentials>('issueHabilitationCredentials', {
    workflowId: `${credentialIssuanceWorkflowId(habilitationId)}${runSuffix}`,
    taskQueue,
    args: [{ habilitationId, activityTimeoutMs: platform.config.activityTimeoutMs }],
  });
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
