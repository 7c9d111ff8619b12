import { ApplicationFailure } from '@temporalio/activity';
import type { Directory } from '../directory/client';
import type { DefinitionCatalog } from '../domain/definitions';
import { submissionErrors } from '../domain/request-form';
import {
  canBeRevision,
  isEditable,
  nextState,
  type RequestCommand,
  type RequestPosition,
  type RequestState,
  type SystemEvent,
} from '../domain/request-states';
import { ORGANISATION_CHECK_FAILURE_LABELS, type OrganisationCheck } from '../domain/organisation-check';
import type { RequestDecision } from '../domain/organisation-events';
import type { Mailer } from '../mail/mailer';
import { recordOrganisationEvent } from '../store/organisation-events';
import {
  organisationRecipients,
  queueDecision,
  queueInstructionReminder,
  queueSubmitted,
  queueSupportNeeded,
  requestMailBase,
} from '../mail/request-notifications';
import {
  createHabilitationOnce,
  isReopenedRevision,
  revokeHabilitationOfRequest,
} from '../store/habilitations';
import { findMembership } from '../store/memberships';
import { revokeCredentialsOfHabilitation } from '../store/tokens';
import { withTransaction, type Db } from '../store/pool';
import { listAttachments } from '../store/request-attachments';
import {
  actionRecorded,
  findRequestText,
  recordRequestEvent,
  transitionRecorded,
} from '../store/request-events';
import {
  applyTransition,
  findRequest,
  findRequestSummary,
  listSubmissions,
  recordSubmission,
  requestIdleTime,
  type AccessRequest,
} from '../store/requests';

export interface RequestActivityDeps {
  db: Db;
  mailer: Mailer;
  publicUrl: URL;
  definitions: DefinitionCatalog;
  directory: Directory;
}

export type { OrganisationCheck };

export interface TransitionInput {
  requestId: string;
  fromVersion: number;
  event: RequestCommand | SystemEvent;
  actorId: string | null;
  scopes?: string[];
  textId?: string;
  checkFailure?: Exclude<OrganisationCheck, 'ok'>;
}

export interface TransitionResult {
  outcome: 'applied' | 'incomplete';
  state: RequestState;
  version: number;
  revision: number;
  reopened: boolean;
}

const DECISIONS: Partial<
  Record<RequestCommand | SystemEvent, 'validated' | 'changes_requested' | 'refused' | 'revoked' | 'archived'>
> = {
  approve: 'validated',
  request_changes: 'changes_requested',
  refuse: 'refused',
  revoke: 'revoked',
  inactivity_archive: 'archived',
};

/** The decisions the organisation's feed shows (spec §6: requests submitted and decided). */
const FEED_DECISIONS: Partial<Record<RequestCommand | SystemEvent, RequestDecision>> = {
  approve: 'validated',
  refuse: 'refused',
  request_changes: 'changes_requested',
  revoke: 'revoked',
};

export function createRequestActivities(deps: RequestActivityDeps) {
  const { db, definitions } = deps;
  const mail = { mailer: deps.mailer, publicUrl: deps.publicUrl };
  const definitionOf = (request: AccessRequest) => {
    const definition = definitions.find(request.definition);
    // A definition file removed while requests still use it: nothing sensible can happen until it is back.
    if (!definition)
      throw ApplicationFailure.retryable(
        `definition ${request.definition} is not loaded`,
        'DefinitionMissing',
      );
    return definition;
  };

  return {
    async loadRequestPosition(requestId: string): Promise<RequestPosition & { version: number }> {
      const request = await findRequest(db, requestId);
      // Retried until the creating transaction has committed (or the workflow gives up).
      if (!request) throw ApplicationFailure.retryable('request not visible yet', 'RequestNotFound');
      return {
        state: request.state,
        version: request.version,
        reopened: await isReopenedRevision(db, request),
      };
    },

    /**
     * Applies one transition: the new state, its event and its emails in one transaction, conditional on the
     * version the workflow saw. A retry after the commit finds the transition recorded and answers the same.
     */
    async transitionRequest(input: TransitionInput): Promise<TransitionResult> {
      const dispatches: (() => Promise<void>)[] = [];
      const result = await withTransaction(db, async (tx): Promise<TransitionResult> => {
        const request = await findRequest(tx, input.requestId, { forUpdate: true });
        if (!request) throw ApplicationFailure.nonRetryable('request missing', 'RequestMissing');
        const reopened = await isReopenedRevision(tx, request);
        const current = {
          state: request.state,
          version: request.version,
          revision: request.revision,
          reopened,
        };
        if (request.version !== input.fromVersion) {
          if (
            request.version === input.fromVersion + 1 &&
            (await transitionRecorded(tx, request.id, request.version))
          )
            return { outcome: 'applied', ...current };
          throw ApplicationFailure.nonRetryable(
            `request ${request.id} is at version ${request.version}, expected ${input.fromVersion}`,
            'VersionConflict',
          );
        }
        const to = nextState({ state: request.state, reopened }, input.event);
        if (to === undefined)
          throw ApplicationFailure.nonRetryable(
            `${input.event} not allowed from ${request.state}`,
            'VersionConflict',
          );
        const definition = definitionOf(request);
        const version = request.version + 1;
        const details: Record<string, unknown> = { version };
        let revision = request.revision;

        if (input.event === 'submit') {
          const attachments = await listAttachments(tx, request.id);
          if (
            submissionErrors(
              definition,
              request.data,
              attachments.map((file) => file.kind),
            ).length > 0
          )
            return { outcome: 'incomplete', ...current };
          details.submission = await recordSubmission(tx, {
            requestId: request.id,
            revision,
            data: request.data,
            attachments: attachments.map((file) => ({
              id: file.id,
              kind: file.kind,
              originalName: file.originalName,
              sha256: file.sha256,
            })),
            submittedBy: input.actorId,
          });
        } else if (input.event === 'approve') {
          const requested = request.data.scopes ?? [];
          const granted = input.scopes ?? requested;
          if (granted.some((scope) => !requested.includes(scope)))
            throw ApplicationFailure.nonRetryable('approved scopes outside the request', 'VersionConflict');
          details.scopes = granted;
        } else if (input.event === 'reopen') {
          revision += 1;
          details.newRevision = revision;
        } else if (input.event === 'revoke') {
          const habilitation = await revokeHabilitationOfRequest(tx, request.id);
          if (habilitation) {
            details.habilitationId = habilitation.id;
            // Its tokens stop at once, in the same transaction.
            await revokeCredentialsOfHabilitation(tx, habilitation.id);
          }
        } else if (input.event === 'organisation_check_failed') {
          details.reason = input.checkFailure ?? null;
        } else if (reopened && to === 'validated') {
          // A refused or archived revision: the habilitation of the previous one carries on.
          details.revisionAbandoned = true;
        }

        await applyTransition(tx, {
          id: request.id,
          fromVersion: request.version,
          to,
          revision,
          submitted: input.event === 'submit',
          decided: ['approve', 'refuse', 'request_changes', 'revoke'].includes(input.event),
        });
        await recordRequestEvent(tx, {
          requestId: request.id,
          revision: request.revision,
          type: input.event,
          actorId: input.actorId,
          fromState: request.state,
          toState: to,
          details,
          textId: input.textId ?? null,
        });

        const summary = (await findRequestSummary(tx, request.id))!;
        const title = request.data.project?.title?.trim() || undefined;
        if (input.event === 'submit')
          await recordOrganisationEvent(tx, {
            organisationId: request.organisationId,
            actorId: input.actorId,
            type: 'request_submitted',
            details: { requestId: request.id, title },
          });
        const feedDecision = FEED_DECISIONS[input.event];
        if (feedDecision)
          await recordOrganisationEvent(tx, {
            organisationId: request.organisationId,
            actorId: input.actorId,
            type: 'request_decided',
            details: { requestId: request.id, title, decision: feedDecision },
          });
        const reason = input.textId ? ((await findRequestText(tx, request.id, input.textId)) ?? '') : '';
        if (input.event === 'submit') {
          dispatches.push(
            ...(await queueSubmitted(tx, mail, {
              request: summary,
              definition,
              version,
              submitterId: input.actorId,
              resubmitted: (details.submission as number) > 1,
            })),
          );
        } else if (input.event === 'organisation_check_failed') {
          dispatches.push(
            ...(await queueSupportNeeded(tx, mail, {
              request: summary,
              definition,
              version,
              reason: input.checkFailure
                ? ORGANISATION_CHECK_FAILURE_LABELS[input.checkFailure]
                : 'vérification impossible',
            })),
          );
        } else {
          const decision = DECISIONS[input.event];
          // A revision that falls back to `validated` was not validated again: no "validée" email for it.
          if (decision && !(details.revisionAbandoned && decision !== 'archived'))
            dispatches.push(
              ...(await queueDecision(tx, mail, { request: summary, definition, version, decision, reason })),
            );
        }

        const stillReopened = canBeRevision(to) && (reopened || input.event === 'reopen');
        return { outcome: 'applied', state: to, version, revision, reopened: stillReopened };
      });
      for (const dispatch of dispatches) await dispatch();
      return result;
    },

    /**
     * The habilitation of an approved revision, created once: the unique (request, revision) key makes a retry
     * after a crash find the one it made. Supersedes the previous revision's habilitation.
     */
    async createHabilitation(requestId: string, revision: number): Promise<{ habilitationId: string }> {
      return withTransaction(db, async (tx) => {
        const request = await findRequest(tx, requestId, { forUpdate: true });
        if (!request) throw ApplicationFailure.nonRetryable('request missing', 'RequestMissing');
        const definition = definitionOf(request);
        const { rows } = await tx.query<{ scopes: string[]; actor_id: string | null; valid_until: Date }>(
          `SELECT e.details -> 'scopes' AS scopes, e.actor_id, now() + make_interval(months => $3) AS valid_until
             FROM request_events e
            WHERE e.request_id = $1 AND e.revision = $2 AND e.type = 'approve'
            ORDER BY e.id DESC LIMIT 1`,
          [requestId, revision, definition.validityMonths],
        );
        const approval = rows[0];
        if (!approval)
          throw ApplicationFailure.nonRetryable('no approval for this revision', 'RequestMissing');
        const { habilitation, created, superseded } = await createHabilitationOnce(tx, {
          requestId,
          revision,
          organisationId: request.organisationId,
          definition: request.definition,
          scopes: approval.scopes,
          validUntil: approval.valid_until,
          approvedBy: approval.actor_id,
        });
        if (created)
          await recordRequestEvent(tx, {
            requestId,
            revision,
            type: 'habilitation_created',
            actorId: null,
            details: { habilitationId: habilitation.id, supersededId: superseded?.id ?? null },
          });
        return { habilitationId: habilitation.id };
      });
    },

    /**
     * The check made after each submission (spec §3): the establishment is still open in the directory and
     * the person who submitted is still an active member. A directory that cannot answer is retried.
     */
    async checkOrganisation(requestId: string): Promise<OrganisationCheck> {
      const request = await findRequestSummary(db, requestId);
      if (!request) throw ApplicationFailure.nonRetryable('request missing', 'RequestMissing');
      const [submission] = await listSubmissions(db, requestId, 1);
      if (submission?.submittedBy) {
        const membership = await findMembership(db, request.organisationId, submission.submittedBy);
        if (membership?.status !== 'active') return 'membership_inactive';
      }
      const establishment = await deps.directory.findEstablishment(request.organisation.siret);
      if (!establishment) return 'siret_unknown';
      return establishment.active ? 'ok' : 'siret_inactive';
    },

    /** How long the draft has been left alone, by the database clock; null once it is no longer a draft. */
    async draftIdleTime(requestId: string): Promise<{ idleMs: number; editedAtMs: number } | null> {
      const idle = await requestIdleTime(db, requestId);
      if (!idle || !isEditable(idle.state)) return null;
      return { idleMs: idle.idleMs, editedAtMs: idle.editedAt.getTime() };
    },

    async remindApplicant(requestId: string, editedAtMs: number, archiveAtMs: number): Promise<void> {
      const dispatches = await withTransaction(db, async (tx) => {
        const request = await findRequestSummary(tx, requestId);
        const key = String(editedAtMs);
        if (
          !request ||
          !isEditable(request.state) ||
          (await actionRecorded(tx, requestId, 'draft_reminder', key))
        )
          return [];
        const definition = definitionOf(request);
        const queued = await deps.mailer.enqueueEach(
          tx,
          await organisationRecipients(tx, request),
          (recipient) => ({
            to: recipient.email,
            template: 'request-draft-reminder',
            data: {
              ...requestMailBase(mail, request, definition, 'organisation'),
              givenName: recipient.givenName,
              editedAt: new Date(editedAtMs).toISOString(),
              archiveAt: new Date(archiveAtMs).toISOString(),
            },
            idempotencyKey: `request:${requestId}:draft-reminder:${editedAtMs}:${recipient.userId}`,
          }),
        );
        await recordRequestEvent(tx, {
          requestId,
          revision: request.revision,
          type: 'draft_reminder',
          actorId: null,
          details: { key, archiveAt: new Date(archiveAtMs).toISOString() },
        });
        return queued;
      });
      for (const dispatch of dispatches) await dispatch();
    },

    async remindInstructors(requestId: string, version: number): Promise<void> {
      const dispatches = await withTransaction(db, async (tx) => {
        const request = await findRequestSummary(tx, requestId);
        const key = String(version);
        if (
          !request ||
          request.state !== 'submitted' ||
          request.version !== version ||
          (await actionRecorded(tx, requestId, 'instruction_reminder', key))
        )
          return [];
        const queued = await queueInstructionReminder(tx, mail, {
          request,
          definition: definitionOf(request),
          version,
        });
        await recordRequestEvent(tx, {
          requestId,
          revision: request.revision,
          type: 'instruction_reminder',
          actorId: null,
          internal: true,
          details: { key },
        });
        return queued;
      });
      for (const dispatch of dispatches) await dispatch();
    },
  };
}

export type RequestActivities = ReturnType<typeof createRequestActivities>;
