import type { ActivationOutcome } from '../activities/accounts.ts';
import { AppError } from '../domain/errors.ts';
import { hashLinkToken } from '../security/link-tokens.ts';
import type { MatchCase } from '../domain/organisation-matching.ts';
import type { MembershipStatus, OrganisationRole } from '../domain/organisation-roles.ts';
import { findMembershipById } from '../store/memberships.ts';
import { findOrganisationById } from '../store/organisations.ts';
import { findActivationLink, findPendingSignupOfUser, type ActivationLink } from '../store/signups.ts';
import { findAccountByEmail, findUserById, recordLogin, type User } from '../store/users.ts';
import { ACTIVATE_UPDATE_ID, activateUpdate, signUpWorkflowId } from '../workflows/sign-up.ts';
import { emailOnlySchema, linkTokenSchema } from './account-schemas.ts';
import type { AppDeps } from './deps.ts';
import { requestNewActivationLink } from './sign-up.ts';
import { withTemporalDeadline } from './temporal.ts';
import { parseInput } from './validation.ts';
import { emailCounters, spendAttempt } from './rate-limiting.ts';

export interface Activation {
  user: User;
  case: MatchCase;
  organisation: { siret: string; name: string };
  membership: { roles: OrganisationRole[]; status: MembershipStatus };
}

const refused = (reason: 'unknown' | 'expired' | 'used' | 'replaced') =>
  new AppError({ kind: 'LinkRefused', link: 'activation', reason });

/** Why a link cannot activate anything any more, or undefined when it still can. */
function linkRefusal(link: ActivationLink | undefined, now = Date.now()) {
  if (!link) return refused('unknown');
  if (link.signupStatus === 'activated' || link.usedAt !== null) return refused('used');
  if (link.signupStatus === 'expired') return refused('expired');
  if (link.generation < link.latestGeneration) return refused('replaced');
  if (link.expiresAt.getTime() <= now) return refused('expired');
  return undefined;
}

/** The link of a token if it can still activate an account; otherwise the refusal saying why. */
async function usableLink(deps: AppDeps, token: string): Promise<ActivationLink> {
  if (!linkTokenSchema.safeParse(token).success) throw refused('unknown');
  const link = await findActivationLink(deps.db, hashLinkToken(token));
  const refusal = linkRefusal(link);
  if (refusal || !link) throw refusal ?? refused('unknown');
  return link;
}

/** Whether a link can still activate an account, for the page that asks to confirm. */
export async function checkActivationLink(deps: AppDeps, token: string): Promise<void> {
  await usableLink(deps, token);
}

/**
 * Activates the account of a link and attaches it to its organisation, through the sign-up workflow. Two
 * clicks on the same link are one activation; a used, replaced or expired link says which it is.
 */
export async function activateAccount(deps: AppDeps, input: { token: string }): Promise<Activation> {
  const link = await usableLink(deps, input.token);

  let outcome: ActivationOutcome;
  try {
    outcome = await withTemporalDeadline(deps, () =>
      deps.temporal.client.workflow
        .getHandle(signUpWorkflowId(link.signupId))
        .executeUpdate(activateUpdate, { updateId: ACTIVATE_UPDATE_ID }),
    );
  } catch (error) {
    if (error instanceof AppError) throw error;
    // The workflow turned the activation down (it expired meanwhile, or has ended): Postgres says why.
    throw linkRefusal(await findActivationLink(deps.db, hashLinkToken(input.token))) ?? error;
  }

  // Activation signs the person in (the page opens their session): it is their first sign-in, and the members
  // page would otherwise say "never" until they sign in again.
  await recordLogin(deps.db, outcome.userId);
  const [user, organisation, membership] = await Promise.all([
    findUserById(deps.db, outcome.userId),
    findOrganisationById(deps.db, outcome.organisationId),
    findMembershipById(deps.db, outcome.membershipId),
  ]);
  if (!user || !organisation || !membership)
    throw new Error(`activation ${link.signupId} left no membership`);
  return {
    user,
    case: outcome.case,
    organisation: { siret: organisation.siret, name: organisation.name },
    membership: { roles: membership.roles, status: membership.status },
  };
}

/** "I did not receive the link": a new one for a pending account, the same silent answer for any address. */
export async function resendActivationLink(deps: AppDeps, input: unknown, ip: string): Promise<void> {
  const { email } = parseInput(emailOnlySchema, input);
  await spendAttempt(deps.db, emailCounters(deps, email, ip));
  const account = await findAccountByEmail(deps.db, email);
  if (account?.status !== 'pending_activation') return;
  const signup = await findPendingSignupOfUser(deps.db, account.id);
  if (signup) await requestNewActivationLink(deps, signup.id);
}
