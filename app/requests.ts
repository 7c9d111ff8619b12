import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { AppError, notFound, validationFailed } from '../domain/errors.ts';
import { mayWriteRequests } from '../domain/organisation-roles.ts';
import {
  copiedFormData,
  draftSchema,
  requestTitle,
  grantedScopes,
  mergeDraft,
  submissionErrors,
  type FormData,
} from '../domain/request-form.ts';
import {
  nextState,
  REQUEST_STATES,
  type RequestCommand,
  type RequestPosition,
  type RequestState,
} from '../domain/request-states.ts';
import { requestTimers } from '../domain/request-timers.ts';
import { findMembership } from '../store/memberships.ts';
import { findOrganisationBySiret } from '../store/organisations.ts';
import { withTransaction } from '../store/pool.ts';
import { listAttachments } from '../store/request-attachments.ts';
import { insertRequestText } from '../store/request-events.ts';
import {
  findRequest,
  insertRequest,
  listRequestsOfMember,
  replaceRequestData,
  type RequestSummary,
} from '../store/requests.ts';
import type { User } from '../store/users.ts';
import {
  accessRequest,
  commandUpdate,
  INVALID_TRANSITION,
  requestWorkflowId,
  type CommandResult,
} from '../workflows/access-request.ts';
import { siretSchema } from './account-schemas.ts';
import type { AppDeps } from './deps.ts';
import { writeDraft } from './draft-writes.ts';
import { invalidTransition, loadVisibleRequest, mayIssue, type VisibleRequest } from './request-access.ts';
import { withTemporalDeadline, WORKFLOW_TASK_TIMEOUT_MS } from './temporal.ts';
import { parseInput } from './validation.ts';
import { textInput } from '../domain/text-input.ts';
import { dispatchAll } from '../mail/mailer.ts';

export const createRequestSchema = z.object({
  definition: textInput({ required: 'Indiquez l’API demandée.' }).trim().min(1, 'Indiquez l’API demandée.'),
  siret: siretSchema,
});

/**
 * Starts a draft for one of the person's organisations. The row is written and the workflow started in the same
 * transaction: if Temporal cannot take it, nothing is created; if the commit fails after the start, the
 * workflow finds no row and gives up on its own.
 */
export async function createRequest(deps: AppDeps, actor: User, input: unknown): Promise<RequestSummary> {
  return startRequest(deps, actor, parseInput(createRequestSchema, input), {});
}

/**
 * Starts a draft from a copy of an earlier request (« Nouvelle demande à partir de celle-ci »): same definition and
 * organisation, the answers copied except the commitments, which are made again. The person must be able to write
 * requests for the organisation now; files are not copied (each request attaches its own).
 */
export async function copyRequest(deps: AppDeps, actor: User, sourceId: string): Promise<RequestSummary> {
  const source = await loadVisibleRequest(deps, actor, sourceId);
  if (!source.access.applicant) throw notFound();
  const { request, definition } = source;
  return startRequest(
    deps,
    actor,
    { definition: request.definition, siret: request.organisation.siret },
    copiedFormData(definition, request.data),
  );
}

async function startRequest(
  deps: AppDeps,
  actor: User,
  { definition: slug, siret }: z.output<typeof createRequestSchema>,
  data: FormData,
): Promise<RequestSummary> {
  const definition = deps.definitions.find(slug);
  if (!definition)
    throw validationFailed([
      {
        path: 'definition',
        message: `API inconnue ; valeurs possibles : ${deps.definitions
          .list()
          .map((d) => d.slug)
          .join(', ')}.`,
      },
    ]);
  const organisation = await findOrganisationBySiret(deps.db, siret);
  const membership = organisation && (await findMembership(deps.db, organisation.id, actor.id));
  if (!organisation || membership?.status !== 'active' || !mayWriteRequests(membership.roles))
    throw validationFailed([
      { path: 'siret', message: 'Vous ne pouvez pas faire de demande pour cette organisation.' },
    ]);

  const id = randomUUID();
  const dispatches = await withTransaction(deps.db, async (tx) => {
    await insertRequest(tx, { id, definition: slug, organisationId: organisation.id, authorId: actor.id });
    if (Object.keys(data).length > 0) await replaceRequestData(tx, id, { seen: {}, data });
    const created = await deps.webhooks.recordRequestEvent(tx, id, 'request.created', 'created');
    await withTemporalDeadline(deps, () =>
      deps.temporal.client.workflow.start(accessRequest, {
        workflowId: requestWorkflowId(id),
        taskQueue: deps.temporal.taskQueue,
        workflowTaskTimeout: WORKFLOW_TASK_TIMEOUT_MS,
        args: [
          {
            requestId: id,
            timers: requestTimers(definition, deps.requestTimers),
            activityTimeoutMs: deps.activityTimeoutMs,
          },
        ],
      }),
    );
    return created;
  });
  await dispatchAll(dispatches);
  return (await loadVisibleRequest(deps, actor, id)).request;
}

/**
 * Saves part of the form as is (no completeness check), merged into what was saved before: in the common
 * case two statements, the access check and one conditional UPDATE. Two saves of different fields at once
 * must both land: the one that finds the data changed under it merges again onto what the other saved.
 */
export async function updateDraft(
  deps: AppDeps,
  actor: User,
  requestId: string,
  input: unknown,
): Promise<VisibleRequest> {
  const { visible, written } = await writeDraft(deps, actor, requestId, async (visible) => {
    const patch = parseInput(draftSchema(visible.definition), input);
    let seen = visible.request.data;
    for (;;) {
      const data = mergeDraft(seen, patch);
      const outcome = await replaceRequestData(deps.db, requestId, { seen, data });
      if (outcome === 'saved') return data;
      if (outcome === 'not_editable') return undefined;
      const now = await findRequest(deps.db, requestId);
      if (!now) return undefined;
      seen = now.data;
    }
  });
  // A save changes the data only: who may see it and what they may do stay as they were.
  return { ...visible, request: { ...visible.request, data: written, editedAt: new Date() } };
}

export async function viewRequest(deps: AppDeps, actor: User, requestId: string): Promise<VisibleRequest> {
  return loadVisibleRequest(deps, actor, requestId);
}

/** The filters of a person's list of requests: `GET /api/v1/requests` refuses a bad one (422). */
export const myRequestsFilterSchema = z.object({
  q: textInput().trim().max(200, 'Recherche trop longue (200 caractères au plus).').optional(),
  state: z
    .enum(REQUEST_STATES, { error: `État inconnu ; valeurs possibles : ${REQUEST_STATES.join(', ')}.` })
    .optional(),
  definition: z.string().trim().max(64, 'Identifiant d’API trop long (64 caractères au plus).').optional(),
});
export type MyRequestsFilter = z.output<typeof myRequestsFilterSchema>;

/**
 * The same filters from a page's query string, as typed or tampered with: a value of the wrong kind is ignored
 * (the list is shown unfiltered on that point), never an error.
 */
export const lenientRequestsFilterSchema = z.object({
  q: myRequestsFilterSchema.shape.q.catch(undefined),
  state: myRequestsFilterSchema.shape.state.catch(undefined),
  definition: myRequestsFilterSchema.shape.definition.catch(undefined),
});

/** Lower case without accents: « Équipe » is found by « equipe ». */
const searchable = (text: string) =>
  text
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLocaleLowerCase('fr-FR');

/**
 * The requests of the person's organisations, most recently changed first; with a filter, those whose title, API
 * or organisation contains the text, in the state and of the API asked for.
 */
export async function listMyRequests(
  deps: AppDeps,
  actor: User,
  filter: MyRequestsFilter = {},
): Promise<RequestSummary[]> {
  const requests = await listRequestsOfMember(deps.db, actor.id);
  const words = filter.q ? searchable(filter.q).split(/\s+/).filter(Boolean) : [];
  return requests.filter((request) => {
    if (filter.state && request.state !== filter.state) return false;
    if (filter.definition && request.definition !== filter.definition) return false;
    if (words.length === 0) return true;
    const haystack = searchable(
      [
        requestTitle(request.data),
        deps.definitions.find(request.definition)?.name ?? request.definition,
        request.organisation.name,
        request.organisation.siret,
      ].join(' '),
    );
    return words.every((word) => haystack.includes(word));
  });
}

const reason = textInput({ required: 'Indiquez le motif.', multiline: true })
  .trim()
  .min(1, 'Indiquez le motif : il est envoyé à l’organisation.')
  .max(5_000, 'Le motif ne peut dépasser 5 000 caractères.');

const COMMAND_SCHEMAS = {
  submit: z.object({}),
  archive: z.object({}),
  reopen: z.object({}),
  resolve: z.object({}),
  approve: z.object({
    scopes: z
      .array(z.string({ error: 'Identifiant de donnée attendu.' }), {
        error: 'Liste d’identifiants attendue.',
      })
      .min(1, 'Accordez au moins une donnée.')
      .optional(),
  }),
  refuse: z.object({ reason }),
  request_changes: z.object({ reason }),
  revoke: z.object({ reason }),
} satisfies Record<RequestCommand, z.ZodType>;

export const commandSchemas = COMMAND_SCHEMAS;

/**
 * Any command on a request: who may send it, what it needs, then the request's workflow decides. Answers
 * 404 to someone who may not send it, 409 when the state does not allow it, 422 when its input (or, for a
 * submission, the form) is incomplete.
 *
 * Whether a command is allowed now has one rule (nextState, domain/request-states.ts) and one judge, the
 * request's workflow, which judges on a position at least as recent as the row read here (it waits for the
 * commands in progress and catches up with the row first). The row answers early only when it already says
 * no, and every refusal lists what is allowed from the position it was decided on.
 */
export async function runCommand(
  deps: AppDeps,
  actor: User,
  requestId: string,
  command: RequestCommand,
  input: unknown,
): Promise<CommandResult> {
  const visible = await loadVisibleRequest(deps, actor, requestId);
  if (!mayIssue(visible.access, command)) throw notFound();
  const form = parseInput(COMMAND_SCHEMAS[command], input ?? {}) as { scopes?: string[]; reason?: string };
  // Answered here without a round trip when the stored state already says no; the workflow decides.
  if (nextState(visible.position, command) === undefined) throw invalidTransition(visible);

  const { request } = visible;
  if (command === 'submit') await requireComplete(deps, visible);
  let scopes: string[] | undefined;
  if (command === 'approve' && form.scopes) {
    const decided = grantedScopes(request.data, form.scopes);
    if ('notRequested' in decided)
      throw validationFailed([
        {
          path: 'scopes',
          message: `Données non demandées par l’organisation : ${decided.notRequested.join(', ')}.`,
        },
      ]);
    scopes = decided.granted;
  }
  const textId = form.reason
    ? await insertRequestText(deps.db, { requestId, authorId: actor.id, body: form.reason })
    : undefined;

  let seen = visible;
  for (let attempt = 1; ; attempt += 1) {
    const result = await sendCommand(deps, actor, seen, { command, scopes, textId });
    if (result.outcome !== 'incomplete') return result;
    // The form changed between the check above and the submission: the same check says what is missing. When
    // nothing is (saved complete again since), the submission is judged again on what is saved now.
    seen = await loadVisibleRequest(deps, actor, requestId);
    await requireComplete(deps, seen);
    if (nextState(seen.position, command) === undefined) throw invalidTransition(seen);
    if (attempt >= 3)
      throw new AppError({
        kind: 'Conflict',
        code: 'request_changing',
        message: 'La demande est modifiée en ce moment même : veuillez réessayer dans quelques instants.',
      });
  }
}

async function sendCommand(
  deps: AppDeps,
  actor: User,
  seen: VisibleRequest,
  input: { command: RequestCommand; scopes?: string[]; textId?: string },
): Promise<CommandResult> {
  const { request } = seen;
  // The same person sending the same command twice (a double click) gets one transition and one answer; a
  // submission of the form saved since is another command (the first one's answer is kept under its id).
  const edited = input.command === 'submit' ? `:e${request.editedAt.getTime()}` : '';
  try {
    return await withTemporalDeadline(deps, () =>
      deps.temporal.client.workflow.getHandle(requestWorkflowId(request.id)).executeUpdate(commandUpdate, {
        args: [{ ...input, actorId: actor.id, seenVersion: request.version }],
        updateId: `${input.command}:v${request.version}${edited}:${actor.id}:${input.scopes?.join(',') ?? ''}`,
      }),
    );
  } catch (error) {
    const refusedAt = refusedPosition(error);
    if (refusedAt) throw invalidTransition({ access: seen.access, position: refusedAt });
    throw error;
  }
}

async function requireComplete(deps: AppDeps, visible: VisibleRequest): Promise<void> {
  const attachments = await listAttachments(deps.db, visible.request.id);
  const errors = submissionErrors(
    visible.definition,
    visible.request.data,
    attachments.map((file) => file.kind),
  );
  if (errors.length > 0) throw validationFailed(errors);
}

/**
 * The workflow's refusal carries the position it decided on: the answer lists what is allowed from there,
 * never the refused command (the stored row can lag behind the workflow for a moment).
 */
function refusedPosition(error: unknown): RequestPosition | undefined {
  if (!(error instanceof WorkflowUpdateFailedError)) return undefined;
  const failure = error.cause;
  if (!(failure instanceof ApplicationFailure) || failure.type !== INVALID_TRANSITION) return undefined;
  const [state, reopened] = failure.details as [RequestState, boolean | undefined];
  return { state, reopened: reopened ?? false };
}
