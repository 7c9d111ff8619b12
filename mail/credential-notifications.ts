import { canActOnCredentials } from '../domain/credential-access.ts';
import { isMainManager } from '../domain/role-rules.ts';
import type { DefinitionCatalog } from '../domain/definitions.ts';
import { listActiveMembers } from '../store/memberships.ts';
import { findOrganisationById } from '../store/organisations.ts';
import type { Queryable } from '../store/pool.ts';
import type { MailData } from './catalog.ts';
import type { Dispatch, Mailer } from './mailer.ts';

/**
 * The emails about credentials (spec §4), queued in the caller's transaction; each function returns the
 * dispatches to run once it has committed. None carries a secret: they point to the dashboard.
 */
export interface CredentialContext {
  organisation: { id: string; siret: string; name: string };
  definitionName: string;
  dashboardUrl: string;
}

/** Who and what an email about a token names, read at the moment it is queued. */
export async function tokenMailContext(
  tx: Queryable,
  token: { organisationId: string; definition: string; habilitationId: string },
  options: { definitions: DefinitionCatalog; publicUrl: URL },
): Promise<CredentialContext> {
  const organisation = await findOrganisationById(tx, token.organisationId);
  return {
    organisation: {
      id: token.organisationId,
      siret: organisation?.siret ?? '',
      name: organisation?.name ?? '',
    },
    definitionName: options.definitions.find(token.definition)?.name ?? token.definition,
    dashboardUrl: new URL(`/jetons/${token.habilitationId}`, options.publicUrl).toString(),
  };
}

type TokenTemplate = 'credential-available' | 'token-expiring' | 'token-expired' | 'token-changed';
type TokenExtra<T extends TokenTemplate> = Omit<MailData<T>, keyof MailData<'credential-available'>> &
  Partial<MailData<T>>;

/**
 * To the members who act on the organisation's credentials (not readers), each keyed by `eventKey` and the
 * recipient, so that a retried step queues nothing twice.
 */
export async function queueToCredentialHolders<T extends TokenTemplate>(
  tx: Queryable,
  mailer: Mailer,
  template: T,
  context: CredentialContext,
  data: TokenExtra<T>,
  eventKey: string,
): Promise<Dispatch[]> {
  const recipients = (await listActiveMembers(tx, context.organisation.id)).filter((member) =>
    canActOnCredentials(member.roles),
  );
  return mailer.enqueueEach(tx, recipients, (recipient) => ({
    to: recipient.email,
    template,
    data: {
      recipientGivenName: recipient.givenName,
      organisationName: context.organisation.name,
      siret: context.organisation.siret,
      definitionName: context.definitionName,
      dashboardUrl: context.dashboardUrl,
      ...data,
    } as MailData<T>,
    idempotencyKey: `${eventKey}:${recipient.userId}`,
  }));
}

/**
 * To the organisation's main manager as they are now (spec §5: the contact follows the current main manager,
 * so it is read at the moment of sending, never copied onto the account).
 */
export async function queueToMainManager<
  T extends 'technical-account-changed' | 'technical-account-expiring',
>(
  tx: Queryable,
  mailer: Mailer,
  template: T,
  organisationId: string,
  data: Omit<MailData<T>, 'recipientGivenName'>,
  eventKey: string,
): Promise<Dispatch[]> {
  const manager = (await listActiveMembers(tx, organisationId)).find((member) => isMainManager(member.roles));
  if (!manager) return [];
  const queued = await mailer.enqueue(tx, {
    to: manager.email,
    template,
    data: { recipientGivenName: manager.givenName, ...data } as MailData<T>,
    idempotencyKey: `${eventKey}:${manager.userId}`,
  });
  return [queued.dispatch];
}
