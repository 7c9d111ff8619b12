import { z } from 'zod';
import { attachToOrganisation, type OrganisationMatching } from '../activities/organisation-matching.ts';
import { DirectoryUnavailableError } from '../directory/client.ts';
import type { DirectoryFacts } from '../domain/directory-facts.ts';
import { emailAddressSchema, emailDomain } from '../domain/email-address.ts';
import { isFreeMailDomain } from '../domain/free-mail-domains.ts';
import { ProConnectRefused } from '../domain/proconnect.ts';
import { checkSiret } from '../domain/siret.ts';
import { dispatchAll } from '../mail/mailer.ts';
import { findMembership } from '../store/memberships.ts';
import { findOrganisationBySiret } from '../store/organisations.ts';
import { withTransaction, type Queryable } from '../store/pool.ts';
import {
  hasIdentity,
  insertIdentity,
  findIdentityBySubject,
  recordIdentitySignIn,
} from '../store/proconnect-identities.ts';
import {
  findUserById,
  insertPasswordlessUser,
  lockUserByEmail,
  recordLogin,
  type User,
} from '../store/users.ts';
import { personNameSchema } from './account-schemas.ts';
import type { AppDeps } from './deps.ts';
import type { ProConnectAnswer } from './proconnect-client.ts';
import { signIn } from './sign-in.ts';

/** The person ProConnect vouched for, as Sésame keeps them. */
export interface ProConnectPerson {
  subject: string;
  email: string;
  givenName: string;
  familyName: string;
  siret: string;
  /** The identity provider behind ProConnect (`idp_id`). */
  idpId: string | null;
}

/** A sign-in that needs the owner of an email account to prove it theirs before the two are linked. */
export interface PendingLink {
  person: ProConnectPerson;
  establishment: DirectoryFacts;
}

export type ProConnectSignIn =
  | { kind: 'signed_in'; user: User; matching: OrganisationMatching; accountCreated: boolean }
  | { kind: 'link_required'; link: PendingLink };

const claimsSchema = z.object({
  sub: z.string().min(1).max(255),
  email: z.string().pipe(emailAddressSchema),
  given_name: personNameSchema('Le prénom'),
  usual_name: personNameSchema('Le nom'),
  idp_id: z.string().max(255).optional(),
});

/** The claims Sésame needs, or the refusal that says which is missing or unusable. */
export function readProConnectClaims(claims: Record<string, unknown>): ProConnectPerson {
  const parsed = claimsSchema.safeParse(claims);
  if (!parsed.success) throw new ProConnectRefused('claims');
  if (isFreeMailDomain(emailDomain(parsed.data.email))) throw new ProConnectRefused('free_mail');
  const rawSiret = claims.siret;
  if (rawSiret === undefined || rawSiret === null || rawSiret === '')
    throw new ProConnectRefused('siret_missing');
  const siret = typeof rawSiret === 'string' ? checkSiret(rawSiret) : undefined;
  if (!siret?.ok) throw new ProConnectRefused('siret_malformed');
  return {
    subject: parsed.data.sub,
    email: parsed.data.email,
    givenName: parsed.data.given_name,
    familyName: parsed.data.usual_name,
    siret: siret.siret,
    idpId: parsed.data.idp_id ?? null,
  };
}

/**
 * What the directory says of the SIRET ProConnect sent. A person who is already a member of its organisation
 * signs in on what Sésame knows of it, so that a directory outage does not lock out people it already knows.
 */
async function establishmentOf(deps: AppDeps, person: ProConnectPerson): Promise<DirectoryFacts> {
  const known = await findOrganisationBySiret(deps.db, person.siret);
  if (known) {
    const identity = await findIdentityBySubject(deps.db, person.subject);
    if (identity && (await findMembership(deps.db, known.id, identity.userId))) return known;
  }
  let establishment;
  try {
    establishment = await deps.directory.findEstablishment(person.siret);
  } catch (error) {
    if (error instanceof DirectoryUnavailableError) throw new ProConnectRefused('unavailable');
    throw error;
  }
  if (!establishment) throw new ProConnectRefused('siret_unknown');
  if (!establishment.active) throw new ProConnectRefused('siret_closed');
  return establishment;
}

/** Whether an existing account may take a ProConnect identity: the reasons it may not. */
async function refuseUnlinkable(
  tx: Queryable,
  account: { id: string; status: 'pending_activation' | 'active' | 'disabled' },
): Promise<void> {
  if (account.status === 'pending_activation') throw new ProConnectRefused('account_pending');
  if (account.status === 'disabled') throw new ProConnectRefused('account_disabled');
  if (await hasIdentity(tx, account.id)) throw new ProConnectRefused('account_linked_elsewhere');
}

/**
 * A sign-in through ProConnect, once its answer is verified: the account of the provider's subject, or a new
 * one made from the claims (no activation email: the provider vouched for the address), attached to the
 * organisation of the `siret` claim by the rules of activation. An email account at the same address is never
 * taken over: its owner must prove it theirs first (linkProConnectIdentity). Nothing is written on a refusal.
 */
export async function signInWithProConnect(
  deps: AppDeps,
  answer: ProConnectAnswer,
): Promise<ProConnectSignIn> {
  const person = readProConnectClaims(answer.claims);
  const establishment = await establishmentOf(deps, person);

  const { outcome, dispatches } = await withTransaction(deps.db, async (tx) => {
    const identity = await findIdentityBySubject(tx, person.subject, { forUpdate: true });
    let userId = identity?.userId;
    let accountCreated = false;
    if (identity) {
      await recordIdentitySignIn(tx, person.subject, person.idpId);
    } else {
      const existing = await lockUserByEmail(tx, person.email);
      if (existing) {
        await refuseUnlinkable(tx, existing);
        return {
          outcome: { kind: 'link_required', link: { person, establishment } } as const,
          dispatches: [],
        };
      }
      userId = await insertPasswordlessUser(tx, person);
      // Another sign-in took the address in the meantime (the same answer used twice at once).
      if (!userId || !(await insertIdentity(tx, { ...person, userId, linkedVia: 'creation' })))
        throw new ProConnectRefused('code');
      accountCreated = true;
    }
    const user = await findUserById(tx, userId!);
    if (user?.status !== 'active') throw new ProConnectRefused('account_disabled');
    return signInAttached(deps, tx, user, establishment, accountCreated);
  });
  await dispatchAll(dispatches);
  return outcome;
}

/**
 * Links a pending ProConnect identity to the email account at its address once its owner gave the account's
 * password, then signs in. The password is checked by the sign-in itself: same limits, same answers.
 */
export async function linkProConnectIdentity(
  deps: AppDeps,
  input: { link: PendingLink; password: string; ip: string },
): Promise<ProConnectSignIn & { kind: 'signed_in' }> {
  const { person, establishment } = input.link;
  const owner = await signIn(deps, { email: person.email, password: input.password, ip: input.ip });
  const { outcome, dispatches } = await withTransaction(deps.db, async (tx) => {
    const account = await lockUserByEmail(tx, person.email);
    if (account?.id !== owner.id) throw new ProConnectRefused('link_expired');
    await refuseUnlinkable(tx, account);
    if (!(await insertIdentity(tx, { ...person, userId: owner.id, linkedVia: 'password' })))
      throw new ProConnectRefused('account_linked_elsewhere');
    return signInAttached(deps, tx, owner, establishment, false);
  });
  await dispatchAll(dispatches);
  return outcome;
}

async function signInAttached(
  deps: AppDeps,
  tx: Queryable,
  user: User,
  establishment: DirectoryFacts,
  accountCreated: boolean,
) {
  const { matching, dispatches } = await attachToOrganisation(tx, deps, {
    user,
    establishment,
    checkedAt: new Date(),
  });
  await recordLogin(tx, user.id);
  const signedIn = (await findUserById(tx, user.id))!;
  return {
    outcome: { kind: 'signed_in', user: signedIn, matching, accountCreated } as const,
    dispatches,
  };
}
