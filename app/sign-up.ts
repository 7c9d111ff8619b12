import { randomUUID } from 'node:crypto';
import { WorkflowIdReusePolicy } from '@temporalio/client';
import { DirectoryUnavailableError, type Establishment } from '../directory/client.ts';
import { AppError, validationFailed } from '../domain/errors.ts';
import type { DirectoryFacts } from '../domain/directory-facts.ts';
import { withTransaction, type Queryable } from '../store/pool.ts';
import { findPendingSignupOfUser, insertSignup } from '../store/signups.ts';
import { insertPendingUser, lockUserByEmail, type UserStatus } from '../store/users.ts';
import {
  resendActivationLinkSignal,
  signUpWorkflowId,
  type signUp as signUpWorkflow,
} from '../workflows/sign-up.ts';
import { signUpSchema } from './account-schemas.ts';
import { pageUrl, type AppDeps } from './deps.ts';
import { hashPassword } from './passwords.ts';
import { withTemporalDeadline, WORKFLOW_TASK_TIMEOUT_MS } from './temporal.ts';
import { addressCounter, spendAttempt } from './rate-limiting.ts';
import { parseInput } from './validation.ts';

/** The establishment of a SIRET, which must exist in the Sirene directory and be active. */
export async function lookUpActiveEstablishment(
  deps: Pick<AppDeps, 'directory'>,
  siret: string,
): Promise<DirectoryFacts> {
  let establishment: Establishment | undefined;
  try {
    establishment = await deps.directory.findEstablishment(siret);
  } catch (error) {
    if (error instanceof DirectoryUnavailableError)
      throw new AppError({ kind: 'Unavailable', service: 'directory' });
    throw error;
  }
  if (!establishment) {
    throw validationFailed([
      { path: 'siret', message: 'Ce numéro SIRET est introuvable dans le répertoire Sirene.' },
    ]);
  }
  if (!establishment.active) {
    throw validationFailed([
      {
        path: 'siret',
        message:
          'Cet établissement est fermé selon le répertoire Sirene : indiquez le SIRET d’un établissement en activité.',
      },
    ]);
  }
  const {
    siret: found,
    siren,
    name,
    legalCategory,
    activity,
    address,
    active,
    isAdministration,
  } = establishment;
  return { siret: found, siren, name, legalCategory, activity, address, active, isAdministration };
}

/**
 * Creates an account waiting for activation, and its sign-up workflow, which sends the activation link.
 * An address that already has an account gets the same answer, and its owner an email saying someone tried.
 */
export async function signUp(
  deps: AppDeps,
  input: unknown,
  ip: string,
): Promise<{ id: string; status: 'pending_activation' }> {
  const form = parseInput(signUpSchema, input);
  // Counted before the directory is asked: each attempt costs a Sirene call and may email the address.
  await spendAttempt(deps.db, [
    { key: `sign-up:ip:${ip}`, limit: deps.rateLimits.signUpsPerIp },
    addressCounter(deps, form.email),
  ]);
  const establishment = await lookUpActiveEstablishment(deps, form.siret);
  // Hashed before knowing whether the address is taken, so that both answers take the same time.
  const passwordHash = await hashPassword(form.password);
  const signupId = randomUUID();

  const afterCommit = await withTransaction(deps.db, async (tx) => {
    const existing = await lockUserByEmail(tx, form.email);
    if (existing) return answerRepeat(deps, tx, form.email, existing);

    const userId = await insertPendingUser(tx, { ...form, passwordHash });
    // Signed up at the same moment by another request (a double click): answered as a repeat, which it is.
    // Read committed: this statement sees the row the other transaction committed while the insert waited.
    if (userId === undefined)
      return answerRepeat(deps, tx, form.email, (await lockUserByEmail(tx, form.email))!);
    await insertSignup(tx, { id: signupId, userId, siret: establishment.siret, establishment });
    // Started before the commit: if Temporal cannot take it, nothing is created and the person is told to retry.
    await withTemporalDeadline(deps, () =>
      deps.temporal.client.workflow.start<typeof signUpWorkflow>('signUp', {
        workflowId: signUpWorkflowId(signupId),
        taskQueue: deps.temporal.taskQueue,
        // Activation waits on this workflow (an update): a dead worker's task must move on within the call's deadline.
        workflowTaskTimeout: WORKFLOW_TASK_TIMEOUT_MS,
        args: [
          {
            signupId,
            activationLinkTtlMs: deps.accounts.activationLinkTtlMs,
            activityTimeoutMs: deps.activityTimeoutMs,
          },
        ],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      }),
    );
    return async () => undefined;
  });
  await afterCommit();
  return { id: signupId, status: 'pending_activation' };
}

/**
 * The answer to a sign-up for an address that has an account: its owner is warned by email, and a pending
 * account gets a new activation link — the caller's answer is the same as for a new account.
 */
async function answerRepeat(
  deps: AppDeps,
  tx: Queryable,
  email: string,
  existing: { id: string; status: UserStatus; hasPassword: boolean },
): Promise<() => Promise<void>> {
  const pending = existing.status === 'pending_activation';
  // One warning per address and hour at most: signing up repeatedly must not flood someone's mailbox.
  const hour = new Date().toISOString().slice(0, 13);
  const warning = await deps.mailer.enqueue(tx, {
    to: email,
    template: 'account-exists',
    data: {
      pending,
      // An account that signs in only through ProConnect has no password to reset: its owner is sent there.
      proconnectOnly: !existing.hasPassword,
      signInUrl: pageUrl(deps, '/connexion'),
      forgottenPasswordUrl: pageUrl(deps, '/mot-de-passe/oublie'),
    },
    idempotencyKey: `account-exists:${existing.id}:${hour}`,
  });
  const pendingSignup = pending ? await findPendingSignupOfUser(tx, existing.id) : undefined;
  return async () => {
    await warning.dispatch();
    if (pendingSignup) await requestNewActivationLink(deps, pendingSignup.id);
  };
}

/** Asks a pending sign-up's workflow for a new link (which replaces the previous one). */
export async function requestNewActivationLink(deps: AppDeps, signupId: string): Promise<void> {
  try {
    await withTemporalDeadline(deps, () =>
      deps.temporal.client.workflow.getHandle(signUpWorkflowId(signupId)).signal(resendActivationLinkSignal),
    );
  } catch (error) {
    // Whoever asked gets the same answer either way (no account enumeration); the log keeps the failure.
    deps.logger.warn({ err: error, signupId }, 'could not ask for a new activation link');
  }
}
