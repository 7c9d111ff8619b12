import type { Definition } from '../domain/definitions.ts';
import { REQUEST_STATE_LABELS, type RequestState } from '../domain/request-states.ts';
import { listActiveMembers } from '../store/memberships.ts';
import type { Queryable } from '../store/pool.ts';
import type { RequestSummary } from '../store/requests.ts';
import { listStaffForDefinition, listStaffWithRole } from '../store/users.ts';
import type { RequestMailBase } from './catalog.ts';
import type { Dispatch, Mailer } from './mailer.ts';
import { requestTitle } from '../domain/request-form.ts';

/**
 * The emails of an access request's life (spec §4), queued in the caller's transaction. Each function returns
 * the dispatches to run once that transaction has committed. Keys name the request's version, so a retried
 * activity never queues an email twice.
 */
export interface RequestMailContext {
  mailer: Mailer;
  publicUrl: URL;
}

export function requestMailBase(
  context: RequestMailContext,
  request: RequestSummary,
  definition: Definition,
  audience: 'organisation' | 'instruction',
): RequestMailBase {
  const path = audience === 'instruction' ? `/instruction/demandes/${request.id}` : `/demandes/${request.id}`;
  return {
    title: requestTitle(request.data),
    definitionName: definition.name,
    organisationName: request.organisation.name,
    requestUrl: new URL(path, context.publicUrl).toString(),
  };
}

/**
 * Who hears about a request on the organisation's side: its author while still an active member, otherwise
 * the organisation's managers (the request stays with the organisation when its author leaves).
 */
export async function organisationRecipients(
  tx: Queryable,
  request: RequestSummary,
): Promise<{ userId: string; email: string; givenName: string }[]> {
  const members = await listActiveMembers(tx, request.organisationId);
  const author = members.find((member) => member.userId === request.authorId);
  if (author) return [author];
  return members.filter(
    (member) => member.roles.includes('gestionnaire_principal') || member.roles.includes('administrateur'),
  );
}

export async function queueSubmitted(
  tx: Queryable,
  context: RequestMailContext,
  event: {
    request: RequestSummary;
    definition: Definition;
    version: number;
    submitterId: string | null;
    resubmitted: boolean;
  },
): Promise<Dispatch[]> {
  const { request, definition } = event;
  const members = await listActiveMembers(tx, request.organisationId);
  const submitter = members.filter((member) => member.userId === event.submitterId);
  return [
    ...(await context.mailer.enqueueEach(tx, submitter, (member) => ({
      to: member.email,
      template: 'request-submitted',
      data: {
        ...requestMailBase(context, request, definition, 'organisation'),
        givenName: member.givenName,
      },
      idempotencyKey: `request:${request.id}:v${event.version}:submitted:${member.userId}`,
    }))),
    ...(await context.mailer.enqueueEach(
      tx,
      await listStaffForDefinition(tx, 'instructeur', definition.slug),
      (instructor) => ({
        to: instructor.email,
        template: 'request-to-instruct',
        data: {
          ...requestMailBase(context, request, definition, 'instruction'),
          siret: request.organisation.siret,
          resubmitted: event.resubmitted,
        },
        idempotencyKey: `request:${request.id}:v${event.version}:to-instruct:${instructor.id}`,
      }),
    )),
  ];
}

const DECISION_LABELS: Partial<Record<RequestState, string>> = {
  validated: 'validée',
  changes_requested: 'modifications demandées',
  refused: 'refusée',
  revoked: 'habilitation révoquée',
  archived: 'archivée',
};

export async function queueDecision(
  tx: Queryable,
  context: RequestMailContext,
  event: {
    request: RequestSummary;
    definition: Definition;
    version: number;
    decision: 'validated' | 'changes_requested' | 'refused' | 'revoked' | 'archived';
    reason: string;
  },
): Promise<Dispatch[]> {
  const { request, definition, decision } = event;
  return context.mailer.enqueueEach(tx, await organisationRecipients(tx, request), (recipient) => ({
    to: recipient.email,
    template: 'request-decision',
    data: {
      ...requestMailBase(context, request, definition, 'organisation'),
      givenName: recipient.givenName,
      decisionLabel: DECISION_LABELS[decision] ?? REQUEST_STATE_LABELS[decision].toLowerCase(),
      validated: decision === 'validated',
      changesRequested: decision === 'changes_requested',
      refused: decision === 'refused',
      revoked: decision === 'revoked',
      archived: decision === 'archived',
      reason: event.reason,
    },
    idempotencyKey: `request:${request.id}:v${event.version}:decision:${recipient.userId}`,
  }));
}

export async function queueSupportNeeded(
  tx: Queryable,
  context: RequestMailContext,
  event: { request: RequestSummary; definition: Definition; version: number; reason: string },
): Promise<Dispatch[]> {
  return context.mailer.enqueueEach(tx, await listStaffWithRole(tx, 'support'), (agent) => ({
    to: agent.email,
    template: 'request-support-needed',
    data: {
      ...requestMailBase(context, event.request, event.definition, 'instruction'),
      siret: event.request.organisation.siret,
      reason: event.reason,
    },
    idempotencyKey: `request:${event.request.id}:v${event.version}:support:${agent.id}`,
  }));
}

export async function queueInstructionReminder(
  tx: Queryable,
  context: RequestMailContext,
  event: { request: RequestSummary; definition: Definition; version: number },
): Promise<Dispatch[]> {
  const instructors = await listStaffForDefinition(tx, 'instructeur', event.definition.slug);
  return context.mailer.enqueueEach(tx, instructors, (instructor) => ({
    to: instructor.email,
    template: 'instruction-reminder',
    data: {
      ...requestMailBase(context, event.request, event.definition, 'instruction'),
      siret: event.request.organisation.siret,
      submittedAt: (event.request.submittedAt ?? new Date()).toISOString(),
    },
    idempotencyKey: `request:${event.request.id}:v${event.version}:sla:${instructor.id}`,
  }));
}
