import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  defineSignal,
  defineUpdate,
  log,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import type { AccountActivities, ActivationOutcome } from '../activities/accounts.ts';

export interface SignUpInput {
  signupId: string;
  /** How long each activation link stays valid; the account is purged when the latest one expires. */
  activationLinkTtlMs: number;
  /** Longest attempt of an activity before it is retried (a worker that died mid-way). Absent in early histories. */
  activityTimeoutMs?: number;
}

export type SignUpState = 'pending' | 'activating' | 'activated' | 'expired' | 'abandoned';

export const signUpWorkflowId = (signupId: string) => `sign-up-${signupId}`;

/** Sent with the fixed update id ACTIVATE_UPDATE_ID, so that two clicks on the link make one activation. */
export const activateUpdate = defineUpdate<ActivationOutcome>('activate');
export const ACTIVATE_UPDATE_ID = 'activate';
export const resendActivationLinkSignal = defineSignal('resendActivationLink');

/**
 * One sign-up, from the first activation link to activation and organisation matching, or to the purge of
 * the account when its latest link expires. It is the only writer of the sign-up's state.
 */
export async function signUp(input: SignUpInput): Promise<SignUpState> {
  const activityTimeout = input.activityTimeoutMs ?? 30_000;
  const { issueActivationLink } = proxyActivities<AccountActivities>({
    startToCloseTimeout: activityTimeout,
    // The first link waits for the sign-up's own transaction to commit; a sign-up that never committed
    // (its request failed after starting this workflow) is abandoned.
    scheduleToCloseTimeout: '10 minutes',
    retry: { initialInterval: '500ms', maximumInterval: '30s' },
  });
  // Retried for as long as it takes: an account must not stay pending because the database was down.
  const { activateAndMatch, purgeExpiredSignup } = proxyActivities<AccountActivities>({
    startToCloseTimeout: activityTimeout,
    retry: { initialInterval: '500ms', maximumInterval: '30s', nonRetryableErrorTypes: ['SignupExpired'] },
  });

  let state: SignUpState = 'pending';
  // Handlers change the state between awaits; reading it through a call keeps TypeScript from assuming otherwise.
  const current = (): SignUpState => state;
  let generation = 0;
  let resendRequested = false;

  setHandler(resendActivationLinkSignal, () => {
    if (state === 'pending') resendRequested = true;
  });
  setHandler(
    activateUpdate,
    async () => {
      state = 'activating';
      try {
        const outcome = await activateAndMatch(input.signupId);
        state = 'activated';
        return outcome;
      } catch (error) {
        state = 'pending';
        throw ApplicationFailure.nonRetryable(
          'activation failed',
          'ActivationFailed',
          error instanceof Error ? error.message : undefined,
        );
      }
    },
    {
      validator: () => {
        if (state !== 'pending') throw new Error(`the sign-up is ${state}`);
      },
    },
  );

  const issueLink = async () => {
    try {
      await issueActivationLink(input.signupId, generation + 1, input.activationLinkTtlMs);
      generation += 1;
    } catch (error) {
      // The link was not recorded: the previous one stays the valid one, and the next try reuses the number.
      log.warn('activation link not issued', { signupId: input.signupId });
      throw error;
    }
  };

  try {
    await issueLink();
  } catch {
    // No link could be sent (the sign-up never committed, or the database stayed down): an account left
    // pending would block its address, so it goes.
    await purgeExpiredSignup(input.signupId);
    return 'abandoned';
  }

  let deadline = Date.now() + input.activationLinkTtlMs;
  while (current() !== 'activated' && current() !== 'expired') {
    const woken = await condition(
      () => current() !== 'pending' || resendRequested,
      Math.max(1, deadline - Date.now()),
    );
    if (current() === 'activating') {
      await condition(() => current() !== 'activating');
    } else if (current() === 'pending' && resendRequested) {
      resendRequested = false;
      try {
        await issueLink();
        deadline = Date.now() + input.activationLinkTtlMs;
      } catch {
        // The person can ask again; the current link and its deadline are unchanged.
      }
    } else if (current() === 'pending' && !woken) {
      state = 'expired';
      await purgeExpiredSignup(input.signupId);
    }
  }
  await condition(allHandlersFinished);
  return current();
}
