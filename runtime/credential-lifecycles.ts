import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { WorkflowIdConflictPolicy } from '@temporalio/common';
import type { CredentialSettings } from '../domain/credential-settings.ts';
import type { CredentialLifecycles } from '../ports/credentials.ts';
import {
  technicalAccountChangedSignal,
  technicalAccountWorkflowId,
  type technicalAccountLifecycle,
} from '../workflows/technical-account-lifecycle.ts';
import { tokenChangedSignal, tokenWorkflowId, type tokenLifecycle } from '../workflows/token-lifecycle.ts';

/**
 * Starting a lifecycle is idempotent (fixed workflow id, the running one is kept), so a retried issuance never
 * fails on it. Notifying uses signal-with-start: a workflow that had ended (an expired token renewed…) starts
 * again and re-reads the facts.
 */
export function createCredentialLifecycles(
  temporal: { client: Client; taskQueue: string; callTimeoutMs: number },
  settings: CredentialSettings,
  activityTimeoutMs: number,
): CredentialLifecycles {
  const { client, taskQueue } = temporal;
  const withDeadline = <T>(work: () => Promise<T>) =>
    client.withDeadline(Date.now() + temporal.callTimeoutMs, work);
  const tokenArgs = (tokenId: string) =>
    [{ tokenId, reminderOffsetsMs: settings.tokenReminderOffsetsMs, activityTimeoutMs }] as const;
  const accountArgs = (accountId: string) =>
    [
      { accountId, reminderOffsetsMs: settings.technicalAccountReminderOffsetsMs, activityTimeoutMs },
    ] as const;

  async function start(run: () => Promise<unknown>): Promise<void> {
    try {
      await withDeadline(run);
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
  }

  return {
    startToken: (tokenId) =>
      start(() =>
        client.workflow.start<typeof tokenLifecycle>('tokenLifecycle', {
          workflowId: tokenWorkflowId(tokenId),
          taskQueue,
          args: [...tokenArgs(tokenId)],
          workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        }),
      ),
    notifyToken: async (tokenId) => {
      await withDeadline(() =>
        client.workflow.signalWithStart<typeof tokenLifecycle>('tokenLifecycle', {
          workflowId: tokenWorkflowId(tokenId),
          taskQueue,
          args: [...tokenArgs(tokenId)],
          signal: tokenChangedSignal,
        }),
      );
    },
    startTechnicalAccount: (accountId) =>
      start(() =>
        client.workflow.start<typeof technicalAccountLifecycle>('technicalAccountLifecycle', {
          workflowId: technicalAccountWorkflowId(accountId),
          taskQueue,
          args: [...accountArgs(accountId)],
          workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        }),
      ),
    notifyTechnicalAccount: async (accountId) => {
      await withDeadline(() =>
        client.workflow.signalWithStart<typeof technicalAccountLifecycle>('technicalAccountLifecycle', {
          workflowId: technicalAccountWorkflowId(accountId),
          taskQueue,
          args: [...accountArgs(accountId)],
          signal: technicalAccountChangedSignal,
        }),
      );
    },
  };
}
