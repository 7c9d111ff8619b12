import { z } from 'zod';
import { dispatchAll } from '../mail/mailer.ts';
import { isMainManager } from '../domain/role-rules.ts';
import { AppError, notFound } from '../domain/errors.ts';
import { queueToMainManager } from '../mail/credential-notifications.ts';
import { seal, unseal } from '../security/sealing.ts';
import { randomSecret } from '../security/token-secrets.ts';
import { listHabilitationsOfOrganisation } from '../store/habilitations.ts';
import { findMembership, listUserMemberships } from '../store/memberships.ts';
import { findOrganisationBySiret, lockOrganisationById, type Organisation } from '../store/organisations.ts';
import { recordOrganisationEvent } from '../store/organisation-events.ts';
import { withTransaction, type Queryable } from '../store/pool.ts';
import {
  deleteTechnicalAccount as storeDeletion,
  findTechnicalAccount,
  insertTechnicalAccount,
  listTechnicalAccounts as storeList,
  replaceTechnicalAccountPassword,
  type TechnicalAccount,
  listPasswordsEnding,
  type EndingPassword,
} from '../store/technical-accounts.ts';
import type { User } from '../store/users.ts';
import { pageUrl, type AppDeps } from './deps.ts';
import { hashPassword } from './passwords.ts';
import { withTemporalDeadline } from './temporal.ts';
import { parseInput } from './validation.ts';

/**
 * Technical accounts (spec §5, seed 000): the main manager's alone. To anyone else, even another member of
 * the organisation, they do not exist (404).
 */
export type LastUse = { kind: 'unknown' } | { kind: 'never' } | { kind: 'at'; at: Date };

export interface TechnicalAccountView {
  id: string;
  login: string;
  createdAt: Date;
  lastUse: LastUse;
  passwordExpiresAt: Date;
  status: 'active' | 'password_expired';
}

/** Shown once, right after creation or reset: the password, and the id that lets the page export the PDF. */
export interface IssuedPassword {
  account: TechnicalAccountView;
  password: string;
  /** Sealed, self-contained and short-lived: nothing about it is stored (see connectionInfoFor). */
  downloadId: string;
  organisation: { siret: string; name: string };
}

/** How long the PDF export stays available after the password was shown. */
const DOWNLOAD_TTL_MS = 10 * 60_000;

export function viewTechnicalAccount(account: TechnicalAccount, now = new Date()): TechnicalAccountView {
  return {
    id: account.id,
    login: account.login,
    createdAt: account.createdAt,
    lastUse: !account.usageTracked
      ? { kind: 'unknown' }
      : account.lastUsedAt
        ? { kind: 'at', at: account.lastUsedAt }
        : { kind: 'never' },
    passwordExpiresAt: account.passwordExpiresAt,
    status: account.passwordExpiresAt > now ? 'active' : 'password_expired',
  };
}

async function asMainManager(
  deps: AppDeps,
  db: Queryable,
  actor: User,
  siret: string,
): Promise<Organisation> {
  const organisation = await findOrganisationBySiret(db, siret);
  if (!organisation) throw notFound();
  const membership = await findMembership(db, organisation.id, actor.id);
  if (membership?.status !== 'active' || !isMainManager(membership.roles)) throw notFound();
  return organisation;
}

async function accountOf(db: Queryable, organisation: Organisation, accountId: string, forUpdate = false) {
  const account = await findTechnicalAccount(db, accountId, { forUpdate });
  if (!account || account.organisationId !== organisation.id || account.deletedAt) throw notFound();
  return account;
}

/**
 * The technical accounts whose password ends before `until` (ended ones included), of the organisations the
 * person is the active main manager of: to anyone else they do not exist.
 */
export async function listEndingPasswords(
  deps: AppDeps,
  actor: User,
  until: Date,
): Promise<EndingPassword[]> {
  const organisations = (await listUserMemberships(deps.db, actor.id))
    .filter((membership) => membership.status === 'active' && isMainManager(membership.roles))
    .map((membership) => membership.organisation.id);
  return organisations.length === 0 ? [] : listPasswordsEnding(deps.db, organisations, until);
}

/** The login is made from the SIRET and a number, like Chorus Pro's; it never contains ':' (HTTP Basic). */
export const technicalAccountLogin = (siret: string, number: number) => `TECH_${siret}_${number}`;

export async function listTechnicalAccounts(
  deps: AppDeps,
  actor: User,
  siret: string,
): Promise<{ organisation: Organisation; accounts: TechnicalAccountView[]; canCreate: boolean }> {
  const organisation = await asMainManager(deps, deps.db, actor, siret);
  const now = new Date();
  return {
    organisation,
    accounts: (await storeList(deps.db, organisation.id)).map((account) =>
      viewTechnicalAccount(account, now),
    ),
    canCreate: await holdsTechnicalAccountHabilitation(deps, organisation.id),
  };
}

/** An API a technical account can call: the definition of one of the organisation's active habilitations. */
export interface CallableApi {
  name: string;
  /** The provider's address for this API, when its definition gives one. */
  url: string | undefined;
}

/** The APIs the organisation's technical accounts can call: its active habilitations that use them. */
export async function callableApis(deps: AppDeps, organisationId: string): Promise<CallableApi[]> {
  const apis = new Map<string, CallableApi>();
  for (const habilitation of await listHabilitationsOfOrganisation(deps.db, organisationId)) {
    const definition = deps.credentials.definitions.find(habilitation.definition);
    if (habilitation.status !== 'active' || !definition?.credentialTypes.includes('technical_account'))
      continue;
    apis.set(definition.slug, { name: definition.name, url: definition.provider.url });
  }
  return [...apis.values()];
}

async function holdsTechnicalAccountHabilitation(deps: AppDeps, organisationId: string): Promise<boolean> {
  return (await callableApis(deps, organisationId)).length > 0;
}

/** 24 random bytes: 192 bits, far above the 128 the spec asks for, in 32 characters easy to paste. */
const newPassword = () => randomSecret(24);

export async function createTechnicalAccount(
  deps: AppDeps,
  actor: User,
  siret: string,
): Promise<IssuedPassword> {
  const organisation = await asMainManager(deps, deps.db, actor, siret);
  if (!(await holdsTechnicalAccountHabilitation(deps, organisation.id)))
    throw new AppError({
      kind: 'Conflict',
      code: 'no_technical_account_habilitation',
      message:
        'Votre organisation ne détient aucune habilitation active à une API utilisant des comptes techniques.',
    });
  const password = newPassword();
  const passwordHash = await hashPassword(password);
  const settings = deps.credentials.settings;
  const { account, dispatches } = await withTransaction(deps.db, async (tx) => {
    // Numbers are taken one creation at a time per organisation.
    await lockOrganisationById(tx, organisation.id);
    const account = await insertTechnicalAccount(tx, {
      organisationId: organisation.id,
      loginFor: (number) => technicalAccountLogin(organisation.siret, number),
      passwordHash,
      passwordExpiresAt: new Date(Date.now() + settings.technicalAccountPasswordValidityMs),
      createdBy: actor.id,
    });
    await recordOrganisationEvent(tx, {
      organisationId: organisation.id,
      actorId: actor.id,
      type: 'credential_issued',
      details: { credentialId: account.id, kind: 'technical_account' },
    });
    const dispatches = await queueChanged(deps, tx, organisation, account, actor, false);
    dispatches.push(
      ...(await deps.webhooks.recordTechnicalAccountEvent(
        tx,
        account.id,
        'technical_account.created',
        'created',
      )),
    );
    await withTemporalDeadline(deps, () => deps.credentials.lifecycles.startTechnicalAccount(account.id));
    return { account, dispatches };
  });
  await dispatchAll(dispatches);
  return issued(deps, actor, organisation, account, password);
}

export const resetSchema = z.strictObject({
  confirm: z.literal(
    true,
    'Confirmez la réinitialisation : l’ancien mot de passe cessera aussitôt de fonctionner.',
  ),
});

/** After an explicit confirmation, a new password; the old one stops at once. */
export async function resetTechnicalAccountPassword(
  deps: AppDeps,
  actor: User,
  siret: string,
  accountId: string,
  input: unknown,
): Promise<IssuedPassword> {
  const organisation = await asMainManager(deps, deps.db, actor, siret);
  await accountOf(deps.db, organisation, accountId);
  parseInput(resetSchema, input ?? {});
  const password = newPassword();
  const passwordHash = await hashPassword(password);
  const { account, dispatches } = await withTransaction(deps.db, async (tx) => {
    await accountOf(tx, organisation, accountId, true);
    const account = await replaceTechnicalAccountPassword(
      tx,
      accountId,
      passwordHash,
      new Date(Date.now() + deps.credentials.settings.technicalAccountPasswordValidityMs),
    );
    if (!account) throw notFound();
    await recordOrganisationEvent(tx, {
      organisationId: organisation.id,
      actorId: actor.id,
      type: 'credential_rotated',
      details: { credentialId: account.id, kind: 'technical_account' },
    });
    const dispatches = await queueChanged(deps, tx, organisation, account, actor, true);
    dispatches.push(
      ...(await deps.webhooks.recordTechnicalAccountEvent(
        tx,
        account.id,
        'technical_account.password_reset',
        String(account.passwordSetAt.getTime()),
      )),
    );
    return { account, dispatches };
  });
  await dispatchAll(dispatches);
  await notifyLifecycle(deps, account.id);
  return issued(deps, actor, organisation, account, password);
}

export async function deleteTechnicalAccount(
  deps: AppDeps,
  actor: User,
  siret: string,
  accountId: string,
): Promise<void> {
  const organisation = await asMainManager(deps, deps.db, actor, siret);
  await accountOf(deps.db, organisation, accountId);
  const dispatches = await withTransaction(deps.db, async (tx) => {
    if (!(await storeDeletion(tx, accountId, actor.id))) throw notFound();
    await recordOrganisationEvent(tx, {
      organisationId: organisation.id,
      actorId: actor.id,
      type: 'credential_revoked',
      details: { credentialId: accountId, kind: 'technical_account' },
    });
    return deps.webhooks.recordTechnicalAccountEvent(tx, accountId, 'technical_account.deleted', 'deleted');
  });
  await dispatchAll(dispatches);
  await notifyLifecycle(deps, accountId);
}

async function queueChanged(
  deps: AppDeps,
  tx: Queryable,
  organisation: Organisation,
  account: TechnicalAccount,
  actor: User,
  reset: boolean,
) {
  return queueToMainManager(
    tx,
    deps.mailer,
    'technical-account-changed',
    organisation.id,
    {
      organisationName: organisation.name,
      siret: organisation.siret,
      login: account.login,
      passwordExpiresAt: account.passwordExpiresAt.toISOString(),
      accountsUrl: pageUrl(deps, `/organisations/${organisation.siret}/comptes-techniques`),
      reset,
      actorName: `${actor.givenName} ${actor.familyName}`,
    },
    // The password's set time names this creation or this reset.
    `technical-account-${reset ? 'reset' : 'created'}:${account.id}:${account.passwordSetAt.getTime()}`,
  );
}

async function notifyLifecycle(deps: AppDeps, accountId: string): Promise<void> {
  try {
    await deps.credentials.lifecycles.notifyTechnicalAccount(accountId);
  } catch (error) {
    deps.logger.warn({ accountId, err: error }, 'technical account lifecycle not told of a change');
  }
}

interface DownloadPayload {
  accountId: string;
  password: string;
  passwordSetAt: number;
  expiresAt: number;
}

const downloadBinding = (actor: User) => `technical-account-pdf:${actor.id}`;

function issued(
  deps: AppDeps,
  actor: User,
  organisation: Organisation,
  account: TechnicalAccount,
  password: string,
): IssuedPassword {
  const payload: DownloadPayload = {
    accountId: account.id,
    password,
    passwordSetAt: account.passwordSetAt.getTime(),
    expiresAt: Date.now() + DOWNLOAD_TTL_MS,
  };
  return {
    account: viewTechnicalAccount(account),
    password,
    downloadId: seal(deps.credentials.downloadKey, JSON.stringify(payload), downloadBinding(actor)),
    organisation: { siret: organisation.siret, name: organisation.name },
  };
}

/**
 * The connection information for the PDF export, from a download id given with the shown password. The id is
 * the password sealed for this person with a key of its own, for ten minutes, and for this password only (a
 * reset makes it useless): the clear password is never stored anywhere.
 */
export async function connectionInfoFor(
  deps: AppDeps,
  actor: User,
  siret: string,
  accountId: string,
  downloadId: unknown,
): Promise<{
  organisation: Organisation;
  account: TechnicalAccountView;
  password: string;
  apis: CallableApi[];
}> {
  const organisation = await asMainManager(deps, deps.db, actor, siret);
  const account = await accountOf(deps.db, organisation, accountId);
  const opened =
    typeof downloadId === 'string' && downloadId.length < 2_000
      ? unseal(deps.credentials.downloadKey, downloadId, downloadBinding(actor))
      : undefined;
  const payload = opened === undefined ? undefined : (JSON.parse(opened) as DownloadPayload);
  if (
    !payload ||
    payload.accountId !== account.id ||
    payload.passwordSetAt !== account.passwordSetAt.getTime() ||
    payload.expiresAt < Date.now()
  )
    throw new AppError({
      kind: 'Gone',
      code: 'download_expired',
      message:
        'L’export des informations de connexion n’est possible que juste après la création ou la réinitialisation du mot de passe.',
    });
  return {
    organisation,
    account: viewTechnicalAccount(account),
    password: payload.password,
    apis: await callableApis(deps, organisation.id),
  };
}
