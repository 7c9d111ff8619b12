import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Directory } from '../directory/client.ts';
import type { CredentialDeps } from '../ports/credentials.ts';
import type { Definition, DefinitionCatalog } from '../domain/definitions.ts';
import { givenTitle, grantedScopes, submissionErrors } from '../domain/request-form.ts';
import {
  canBeRevision,
  isEditable,
  nextState,
  type RequestCommand,
  type RequestPosition,
  type RequestState,
  type SystemEvent,
} from '../domain/request-states.ts';
import { ORGANISATION_CHECK_FAILURE_LABELS, type OrganisationCheck } from '../domain/organisation-check.ts';
import type { RequestDecision } from '../domain/organisation-events.ts';
import { type Dispatch, type Mailer, dispatchAll } from '../mail/mailer.ts';
import type { WebhookOutbox } from '../app/webhook-outbox.ts';
import type { WebhookEventType } from '../domain/webhooks.ts';
import { recordOrganisationEvent } from '../store/organisation-events.ts';
import {
  organisationRecipients,
  queueDecision,
  queueInstructionReminder,
  queueSubmitted,
  queueSupportNeeded,
  requestMailBase,
} from '../mail/request-notifications.ts';
import {
  createHabilitationOnce,
  isReopenedRevision,
  revokeHabilitationOfRequest,
} from '../store/habilitations.ts';
import { findMembership } from '../store/memberships.ts';
import { revokeCredentialsOfHabilitation } from '../store/tokens.ts';
import { withTransaction, type Db, type Queryable } from '../store/pool.ts';
import { listAttachments } from '../store/request-attachments.ts';
import {
  actionRecorded,
  findApprovalOfRevision,
  findRequestText,
  recordRequestEvent,
  transitionRecorded,
} from '../store/request-events.ts';
import {
  applyTransition,
  findRequest,
  findRequestSummary,
  listSubmissions,
  recordSubmission,
  requestIdleTime,
  type AccessRequest,
} from '../store/requests.ts';

export interface RequestActivityDeps {
  db: Db;
  mailer: Mailer;
  publicUrl: URL;
  definitions: DefinitionCatalog;
  directory: Directory;
  credentials: CredentialDeps;
  webhooks: WebhookOutbox;
}

export type { OrganisationCheck };

export interface TransitionInput {
  requestId: string;
  fromVersion: number;
  event: RequestCommand | SystemEvent;
  /** Where the workflow decided the event leads (absent from activities scheduled by an older version). */
  to?: RequestState;
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
  /** For an approval: the scopes granted, which the habilitation takes. */
  grantedScopes?: string[];
}

/** The decisions the organisation is emailed about, and those its feed shows (spec §4, §6). */
type MailedDecision = 'validated' | 'changes_requested' | 'refused' | 'revoked' | 'archived';

/** What one transition reads and writes, handed to its event's effects. */
interface TransitionContext {
  tx: Queryable;
  request: AccessRequest;
  definition: Definition;
  input: TransitionInput;
  to: RequestState;
  version: number;
  reopened: boolean;
}

/** What an event's effects add to the transition: timeline details, a new revision, the scopes it grants. */
interface Prepared {
  details?: Record<string, unknown>;
  revision?: number;
  grantedScopes?: string[];
  /** Tokens revoked with the habilitation: their lifecycle workflows are told after the commit. */
  revokedTokenIds?: string[];
}

/**
 * One organiser per event (spec §3): `prepare` checks and writes what the event itself needs before the state
 * moves (or answers 'incomplete'), `feed` and `decision` say what the organisation's feed shows and which
 * decision email it gets. Every event a workflow can send has a row, so the compiler names a new event's gap.
 */
interface EventEffects {
  prepare?(context: TransitionContext): Promise<Prepared | 'incomplete'>;
  feed?: 'request_submitted' | RequestDecision;
  decision?: MailedDecision;
  /** The event the definition's webhooks receive (issue 14); none for support's own steps. */
  webhook?: WebhookEventType;
}

const EFFECTS: Record<RequestCommand | SystemEvent, EventEffects> = {
  submit: { prepare: recordSubmitted, feed: 'request_submitted', webhook: 'request.submitted' },
  approve: { prepare: grantScopes, feed: 'validated', decision: 'validated', webhook: 'request.validated' },
  request_changes: {
    feed: 'changes_requested',
    decision: 'changes_requested',
    webhook: 'request.changes_requested',
  },
  refuse: { feed: 'refused', decision: 'refused', webhook: 'request.refused' },
  revoke: { prepare: revokeHabilitation, feed: 'revoked', decision: 'revoked', webhook: 'request.revoked' },
  reopen: { prepare: openRevision, webhook: 'request.reopened' },
  archive: { decision: 'archived', webhook: 'request.archived' },
  inactivity_archive: { decision: 'archived', webhook: 'request.archived' },
  resolve: {},
  organisation_check_failed: {
    prepare: async ({ input }) => ({ details: { reason: input.checkFailure ?? null } }),
  },
};

/** A submission snapshots the form and its files; an incomplete form is not submitted. */
async function recordSubmitted({ tx, request, definition, input }: TransitionContext) {
  const attachments = await listAttachments(tx, request.id);
  const kinds = attachments.map((file) => file.kind);
  if (submissionErrors(definition, request.data, kinds).length > 0) return 'incomplete' as const;
  const submission = await recordSubmission(tx, {
    requestId: request.id,
    revision: request.revision,
    data: request.data,
    attachments: attachments.map(({ id, kind, originalName, sha256 }) => ({
      id,
      kind,
      originalName,
      sha256,
    })),
    submittedBy: input.actorId,
  });
  return { details: { submission } };
}

/** The scopes granted: those asked, or the narrower list the app checked (grantedScopes in domain/). */
async function grantScopes({ request, input }: TransitionContext): Promise<Prepared> {
  const decided = grantedScopes(request.data, input.scopes);
  if (!('granted' in decided))
    throw ApplicationFailure.nonRetryable('approved scopes outside the request', 'VersionConflict');
  return { details: { scopes: decided.granted }, grantedScopes: decided.granted };
}

/** Revoking the request ends its habilitation and stops its credentials at once, in the same transaction. */
async function revokeHabilitation({ tx, request }: TransitionContext): Promise<Prepared> {
  const habilitation = await revokeHabilitationOfRequest(tx, request.id);
  if (!habilitation) return {};
  const revokedTokenIds = await revokeCredentialsOfHabilitation(tx, habilitation.id);
  return { details: { habilitationId: habilitation.id }, revokedTokenIds };
}

async function openRevision({ request }: TransitionContext): Promise<Prepared> {
  return { revision: request.revision + 1, details: { newRevision: request.revision + 1 } };
}

/** How often an activity that may wait on an outside service tells Temporal its worker is alive. */
const HEARTBEAT_EVERY_MS = 1_000;

/**
 * Runs `work` while heartbeating: the workflow gives such an activity a heartbeat timeout of a few seconds, so
 * that a worker that died holding it is noticed then, not after the whole start-to-close timeout (which must
 * leave room for a slow outside service) — the request's commands wait behind it.
 */
async function heartbeating<T>(work: () => Promise<T>): Promise<T> {
  const context = Context.current();
  const timer = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

export function createRequestActivities(deps: RequestActivityDeps) {
  const { db, definitions, credentials } = deps;
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

  /** The organisation's feed: requests submitted and decided (spec §6). */
  async function recordInFeed({ tx, request, input }: TransitionContext, feed: EventEffects['feed']) {
    if (feed === undefined) return;
    const title = givenTitle(request.data);
    if (feed === 'request_submitted')
      await recordOrganisationEvent(tx, {
        organisationId: request.organisationId,
        actorId: input.actorId,
        type: 'request_submitted',
        details: { requestId: request.id, title },
      });
    else
      await recordOrganisationEvent(tx, {
        organisationId: request.organisationId,
        actorId: input.actorId,
        type: 'request_decided',
        details: { requestId: request.id, title, decision: feed },
      });
  }

  /** The emails of the transition, queued in its transaction. */
  async function notify(
    context: TransitionContext,
    effects: EventEffects,
    details: Record<string, unknown>,
    revisionAbandoned: boolean,
  ): Promise<Dispatch[]> {
    const { tx, request, definition, input, version } = context;
    const summary = (await findRequestSummary(tx, request.id))!;
    if (input.event === 'submit')
      return queueSubmitted(tx, mail, {
        request: summary,
        definition,
        version,
        submitterId: input.actorId,
        resubmitted: (details.submission as number) > 1,
      });
    if (input.event === 'organisation_check_failed')
      return queueSupportNeeded(tx, mail, {
        request: summary,
        definition,
        version,
        reason: input.checkFailure
          ? ORGANISATION_CHECK_FAILURE_LABELS[input.checkFailure]
          : 'vérification impossible',
      });
    const { decision } = effects;
    // A revision that falls back to `validated` was not validated again: no "validée" email for it.
    if (decision === undefined || (revisionAbandoned && decision !== 'archived')) return [];
    const reason = input.textId ? ((await findRequestText(tx, request.id, input.textId)) ?? '') : '';
    return queueDecision(tx, mail, { request: summary, definition, version, decision, reason });
  }

  /** The webhook events of the transition, in its transaction: the request's, and its revoked tokens'. */
  async function recordWebhookEvents(
    { tx, request, version }: TransitionContext,
    effects: EventEffects,
    prepared: Prepared,
    revokedTokenIds: string[],
  ): Promise<Dispatch[]> {
    if (!effects.webhook) return [];
    const extra: Record<string, unknown> = {};
    if (prepared.grantedScopes) extra.scopes = prepared.grantedScopes;
    if (typeof prepared.details?.habilitationId === 'string')
      extra.habilitation_id = prepared.details.habilitationId;
    const dispatches = await deps.webhooks.recordRequestEvent(
      tx,
      request.id,
      effects.webhook,
      `v${version}`,
      extra,
    );
    for (const tokenId of revokedTokenIds)
      dispatches.push(...(await deps.webhooks.recordTokenEvent(tx, tokenId, 'token.revoked', 'revoked')));
    return dispatches;
  }

  /**
   * The check made after each submission (spec §3): the establishment is still open in the directory and the
   * person who submitted is still an active member. A directory that cannot answer is retried.
   */
  async function checkOrganisationOf(requestId: string): Promise<OrganisationCheck> {
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
  }

  const activities = {
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
     * version the workflow saw (the workflow, the single writer, has already decided the transition is
     * allowed and where it leads). A retry after the commit finds the transition recorded and answers the same.
     */
    async transitionRequest(input: TransitionInput): Promise<TransitionResult> {
      const dispatches: Dispatch[] = [];
      let revokedTokenIds: string[] = [];
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
          const recorded =
            request.version === input.fromVersion + 1 &&
            (await transitionRecorded(tx, request.id, request.version));
          if (recorded) return { outcome: 'applied', ...current, grantedScopes: recorded.grantedScopes };
          throw ApplicationFailure.nonRetryable(
            `request ${request.id} is at version ${request.version}, expected ${input.fromVersion}`,
            'VersionConflict',
          );
        }
        // Activities scheduled by a worker of the previous version carry no target: the table decides.
        const to = input.to ?? nextState({ state: request.state, reopened }, input.event);
        if (to === undefined)
          throw ApplicationFailure.nonRetryable(
            `${input.event} not allowed from ${request.state}`,
            'VersionConflict',
          );
        const context: TransitionContext = {
          tx,
          request,
          definition: definitionOf(request),
          input,
          to,
          version: request.version + 1,
          reopened,
        };
        const effects = EFFECTS[input.event];
        const prepared = (await effects.prepare?.(context)) ?? {};
        if (prepared === 'incomplete') return { outcome: 'incomplete', ...current };
        // A refused or archived revision: the habilitation of the previous one carries on, unannounced.
        const revisionAbandoned = reopened && to === 'validated' && input.event !== 'approve';
        const details = {
          version: context.version,
          ...prepared.details,
          ...(revisionAbandoned ? { revisionAbandoned: true } : {}),
        };
        const revision = prepared.revision ?? request.revision;

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
        await recordInFeed(context, effects.feed);
        dispatches.push(...(await notify(context, effects, details, revisionAbandoned)));
        revokedTokenIds = prepared.revokedTokenIds ?? [];
        dispatches.push(...(await recordWebhookEvents(context, effects, prepared, revokedTokenIds)));

        const stillReopened = canBeRevision(to) && (reopened || input.event === 'reopen');
        return {
          outcome: 'applied',
          state: to,
          version: context.version,
          revision,
          reopened: stillReopened,
          grantedScopes: prepared.grantedScopes,
        };
      });
      await dispatchAll(dispatches);
      for (const tokenId of revokedTokenIds) await credentials.lifecycles.notifyToken(tokenId);
      return result;
    },

    /**
     * The habilitation of the approval the request's row stands on, made if missing; null when the request is
     * not validated by an approval of its current revision (a reopened revision that fell back to validated).
     * For a workflow catching up with a transition it never saw: an approval committed by a worker that died
     * before recording it, the command not delivered again.
     */
    async ensureHabilitationOfApproval(requestId: string): Promise<{ habilitationId: string } | null> {
      const request = await findRequest(db, requestId);
      if (request?.state !== 'validated') return null;
      if (!(await findApprovalOfRevision(db, requestId, request.revision))) return null;
      return activities.createHabilitation({ requestId, revision: request.revision });
    },

    /**
     * The habilitation of an approved revision, with the scopes the transition granted, created once: the
     * unique (request, revision) key makes a retry after a crash find the one it made. Supersedes the previous
     * revision's habilitation.
     */
    async createHabilitation(
      // A task scheduled by a worker of the previous version (during a deployment) passes the request id and
      // the revision, and no scopes: the approval's are read back from its timeline event.
      grant: { requestId: string; revision: number; scopes?: string[]; approvedBy?: string | null } | string,
      previousVersionRevision?: number,
    ): Promise<{ habilitationId: string }> {
      const input =
        typeof grant === 'string'
          ? { requestId: grant, revision: previousVersionRevision!, scopes: undefined }
          : grant;
      return withTransaction(db, async (tx) => {
        const request = await findRequest(tx, input.requestId, { forUpdate: true });
        if (!request) throw ApplicationFailure.nonRetryable('request missing', 'RequestMissing');
        const approval =
          input.scopes !== undefined
            ? { scopes: input.scopes, approvedBy: input.approvedBy ?? null }
            : await findApprovalOfRevision(tx, input.requestId, input.revision);
        if (!approval)
          throw ApplicationFailure.nonRetryable('no approval for this revision', 'RequestMissing');
        const { habilitation, created, superseded } = await createHabilitationOnce(tx, {
          requestId: input.requestId,
          revision: input.revision,
          organisationId: request.organisationId,
          definition: request.definition,
          scopes: approval.scopes,
          validityMonths: definitionOf(request).validityMonths,
          approvedBy: approval.approvedBy,
        });
        if (created)
          await recordRequestEvent(tx, {
            requestId: input.requestId,
            revision: input.revision,
            type: 'habilitation_created',
            actorId: null,
            details: { habilitationId: habilitation.id, supersededId: superseded?.id ?? null },
          });
        return { habilitationId: habilitation.id };
      });
    },

    /** The organisation check, heartbeating while it waits on the directory. */
    async checkOrganisation(requestId: string): Promise<OrganisationCheck> {
      return heartbeating(() => checkOrganisationOf(requestId));
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
      await dispatchAll(dispatches);
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
      await dispatchAll(dispatches);
    },
  };
  return activities;
}

export type RequestActivities = ReturnType<typeof createRequestActivities>;
