import { ApplicationFailure } from '@temporalio/activity';
import type { MatchCase } from '../domain/organisation-matching.ts';
import { type Mailer, dispatchAll } from '../mail/mailer.ts';
import { newLinkToken } from '../security/link-tokens.ts';
import { withTransaction, type Db } from '../store/pool.ts';
import {
  findSignup,
  markSignupActivated,
  markSignupExpired,
  recordActivationLink,
} from '../store/signups.ts';
import { activateUser, deletePendingUser, findUserById } from '../store/users.ts';
import { attachToOrganisation } from './organisation-matching.ts';

export interface AccountActivityDeps {
  db: Db;
  mailer: Mailer;
  publicUrl: URL;
}

/** What the activation tells its caller: identifiers only, the names are read from Postgres. */
export interface ActivationOutcome {
  case: MatchCase;
  userId: string;
  organisationId: string;
  membershipId: string;
}

export function createAccountActivities(deps: AccountActivityDeps) {
  const { db, mailer } = deps;
  const link = (path: string) => new URL(path, deps.publicUrl).toString();

  return {
    /**
     * Creates activation link number `generation` and queues its email, in one transaction. The token is made
     * here and leaves only inside the sealed email: never through a workflow payload or a log.
     */
    async issueActivationLink(
      signupId: string,
      generation: number,
      ttlMs: number,
    ): Promise<'issued' | 'already_issued' | 'not_pending'> {
      const { token, hash } = newLinkToken();
      const expiresAt = new Date(Date.now() + ttlMs);
      const queued = await withTransaction(db, async (tx) => {
        const signup = await findSignup(tx, signupId, { forUpdate: true });
        // The sign-up's transaction may not have committed yet: retried until it has.
        if (!signup) throw ApplicationFailure.retryable('sign-up not visible yet', 'SignupNotFound');
        if (signup.status !== 'pending' || signup.userId === null) return 'not_pending' as const;
        const recorded = await recordActivationLink(tx, { signupId, generation, tokenHash: hash, expiresAt });
        if (!recorded) return 'already_issued' as const;
        const user = await findUserById(tx, signup.userId);
        if (!user) return 'not_pending' as const;
        return mailer.enqueue(tx, {
          to: user.email,
          template: 'activation',
          data: { givenName: user.givenName, expiresAt: expiresAt.toISOString() },
          secrets: { activationUrl: link(`/activation/${token}`) },
          idempotencyKey: `activation:${signupId}:${generation}`,
        });
      });
      if (typeof queued === 'string') return queued;
      await queued.dispatch();
      return 'issued';
    },

    /**
     * Activates the account and attaches it to the organisation of its SIRET, in one transaction. Idempotent: a
     * retry after a crash finds the membership it created and answers the same.
     */
    async activateAndMatch(signupId: string): Promise<ActivationOutcome> {
      const dispatches: (() => Promise<void>)[] = [];
      const outcome = await withTransaction(db, async (tx): Promise<ActivationOutcome> => {
        const signup = await findSignup(tx, signupId, { forUpdate: true });
        if (!signup || signup.status === 'expired' || signup.userId === null) {
          throw ApplicationFailure.nonRetryable('sign-up expired before activation', 'SignupExpired');
        }
        await markSignupActivated(tx, signupId);
        await activateUser(tx, signup.userId);
        const user = (await findUserById(tx, signup.userId))!;
        const { matching, dispatches: queued } = await attachToOrganisation(
          tx,
          { mailer, publicUrl: deps.publicUrl },
          { user, establishment: signup.establishment, checkedAt: signup.createdAt },
        );
        dispatches.push(...queued);
        return {
          case: matching.case,
          userId: user.id,
          organisationId: matching.organisation.id,
          membershipId: matching.membership.id,
        };
      });
      await dispatchAll(dispatches);
      return outcome;
    },

    /** Deletes an account never activated; its sign-up stays, without it, so an old link can say "expired". */
    async purgeExpiredSignup(signupId: string): Promise<void> {
      await withTransaction(db, async (tx) => {
        const userId = await markSignupExpired(tx, signupId);
        if (userId) await deletePendingUser(tx, userId);
      });
    },
  };
}

export type AccountActivities = ReturnType<typeof createAccountActivities>;
