import { proxyActivities } from '@temporalio/workflow';
import type { CredentialActivities } from '../activities/credentials';

export interface CredentialIssuanceInput {
  habilitationId: string;
  activityTimeoutMs: number;
}

export const credentialIssuanceWorkflowId = (habilitationId: string) => `credentials-${habilitationId}`;

/**
 * Issues a habilitation's credentials on its own: for a workflow that prefers a child to an activity call, and
 * for operators re-running an issuance. The activity is idempotent on the habilitation, so running this twice
 * (or after the approval's own call) issues nothing more.
 */
export async function issueHabilitationCredentials(input: CredentialIssuanceInput): Promise<string[]> {
  const { issueCredentials } = proxyActivities<CredentialActivities>({
    startToCloseTimeout: input.activityTimeoutMs,
    retry: {
      initialInterval: '500ms',
      maximumInterval: '30s',
      nonRetryableErrorTypes: ['UnknownHabilitation'],
    },
  });
  const { tokenIds } = await issueCredentials(input.habilitationId);
  return tokenIds;
}
