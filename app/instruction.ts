import { z } from 'zod';
import { eligibilityOf, legalCategoryLabel, type Eligibility } from '../domain/eligibility.ts';
import { findOrganisationBySiret, type Organisation } from '../store/organisations.ts';
import { AppError, notFound, validationFailed } from '../domain/errors.ts';
import { diffForms, type FieldChange } from '../domain/request-form.ts';
import { REQUEST_STATES, type RequestState } from '../domain/request-states.ts';
import { definitionsOfStaff, hasStaffRole } from '../domain/roles.ts';
import { instructionAge } from '../domain/request-timers.ts';
import { pageNumber, searchText } from '../domain/list-queries.ts';
import { requestMailBase } from '../mail/request-notifications.ts';
import { type Dispatch, dispatchAll } from '../mail/mailer.ts';
import { listActiveMembers } from '../store/memberships.ts';
import { withTransaction } from '../store/pool.ts';
import { listRequestEvents, recordRequestEvent, type RequestEvent } from '../store/request-events.ts';
import {
  answerOpinion,
  insertOpinionRequest,
  insertRequestMessage,
  listOpinions,
  listRequestMessages,
  type Opinion,
  type RequestMessage,
} from '../store/request-messages.ts';
import {
  listInstructionQueue,
  listSubmissions,
  setAssignee,
  type RequestSummary,
} from '../store/requests.ts';
import { findUserById, listStaffForDefinition, type User } from '../store/users.ts';
import type { AppDeps } from './deps.ts';
import { loadVisibleRequest, type VisibleRequest } from './request-access.ts';
import { listAttachments, type AttachmentInfo } from '../store/request-attachments.ts';
import { parseInput } from './validation.ts';
import { mayWriteRequests } from '../domain/organisation-roles.ts';
import { textInput } from '../domain/text-input.ts';
import { spendAttempt } from './rate-limiting.ts';

/** A text a person writes (message, question, opinion): required, at most 5 000 characters. */
const writtenText = (whenEmpty: string, noun: string) =>
  textInput({ required: whenEmpty, multiline: true })
    .trim()
    .min(1, whenEmpty)
    .max(5_000, `${noun} ne peut dépasser 5 000 caractères.`);

const DEFAULT_QUEUE_STATES: RequestState[] = ['submitted', 'pending_support'];
const PAGE_SIZE = 20;

export const queueQuerySchema = z.object({
  definition: textInput().trim().max(64).optional(),
  state: z
    .enum(REQUEST_STATES, { error: `État inconnu ; valeurs possibles : ${REQUEST_STATES.join(', ')}.` })
    .optional(),
  q: searchText().optional(),
  page: pageNumber,
});

/**
 * Whose requests a person finds in the queue: the definitions they instruct or report on (null: every one), and
 * for support only the requests that wait for it. A platform admin sees every definition's queue without being
 * named instructor of any: the page says so, since nothing there was sent to them.
 */
export interface QueueScope {
  definitions: string[] | null;
  /** Support's queue holds one state only, whatever the filter asks. */
  onlyState: RequestState | null;
  adminOnly: boolean;
}

/** The queue this person may look at; 403 to anyone outside instruction and support. */
export function queueScope(actor: User): QueueScope {
  const allowed = definitionsOfStaff(actor.staffRoles);
  if (allowed !== null && allowed.length === 0) {
    if (!hasStaffRole(actor.staffRoles, 'support')) throw new AppError({ kind: 'Forbidden', reason: 'role' });
    return { definitions: null, onlyState: 'pending_support', adminOnly: false };
  }
  const adminOnly =
    hasStaffRole(actor.staffRoles, 'admin') &&
    !hasStaffRole(actor.staffRoles, 'instructeur') &&
    !hasStaffRole(actor.staffRoles, 'rapporteur');
  return { definitions: allowed, onlyState: null, adminOnly };
}

export interface QueuePage {
  items: (RequestSummary & { ageDays: number; slaDays: number; overdue: boolean })[];
  total: number;
  page: number;
  pageSize: number;
  scope: QueueScope;
}

/**
 * The instruction queue (spec §3): oldest submission first, with each request's age against its
 * definition's SLA. Instructors and reporters only, limited to their definitions.
 */
export async function listQueue(deps: AppDeps, actor: User, input: unknown): Promise<QueuePage> {
  const scope = queueScope(actor);
  const query = parseInput(queueQuerySchema, input);
  const allowed = scope.definitions;
  if (query.definition !== undefined && allowed !== null && !allowed.includes(query.definition))
    return { items: [], total: 0, page: query.page, pageSize: PAGE_SIZE, scope };
  const state = scope.onlyState ?? query.state;
  const { items, total } = await listInstructionQueue(deps.db, {
    definitions: allowed,
    definition: query.definition || undefined,
    states: state ? [state] : DEFAULT_QUEUE_STATES,
    q: query.q,
    page: query.page,
    pageSize: PAGE_SIZE,
  });
  return {
    items: items.map((item) => {
      const slaDays = deps.definitions.find(item.definition)?.timers.instructionSlaDays ?? 0;
      const { ageDays, overdue } = instructionAge(item, slaDays);
      return { ...item, ageDays: ageDays ?? 0, slaDays, overdue };
    }),
    total,
    page: query.page,
    pageSize: PAGE_SIZE,
    scope,
  };
}

export const messageSchema = z.object({
  body: writtenText('Écrivez un message.', 'Le message'),
});

/**
 * The side of the thread this person writes on: the definition's instructors, or the organisation's members who
 * write requests; undefined for everyone else (readers, reporters, support), to whom writing does not exist.
 */
export function threadSide(visible: VisibleRequest): 'instruction' | 'organisation' | undefined {
  if (visible.access.instructor) return 'instruction';
  return visible.access.applicant ? 'organisation' : undefined;
}

/**
 * A message in the thread between the organisation and the instructors, emailed to the other side: the
 * instructors of the definition, or the organisation's people following the request.
 */
export async function postMessage(
  deps: AppDeps,
  actor: User,
  requestId: string,
  input: unknown,
): Promise<{ id: string; waitsForSubmission: boolean }> {
  const visible = await loadVisibleRequest(deps, actor, requestId);
  const side = threadSide(visible);
  if (side === undefined) throw notFound();
  const { body } = parseInput(messageSchema, input);
  // Each message emails the other side: a limit per author keeps the thread from becoming a mail cannon.
  await spendAttempt(deps.db, [
    { key: `message:user:${actor.id}`, limit: deps.rateLimits.messagesPerPerson },
  ]);
  const { request, definition } = visible;
  let dispatches: Dispatch[] = [];
  const id = await withTransaction(deps.db, async (tx) => {
    const messageId = await insertRequestMessage(tx, {
      requestId,
      authorId: actor.id,
      side,
      internal: false,
      body,
    });
    await recordRequestEvent(tx, {
      requestId,
      revision: request.revision,
      type: 'message',
      actorId: actor.id,
      details: { messageId, side },
    });
    // The other side hears of it: the organisation's people who act on requests, or the definition's instructors —
    // once the request was submitted: a draft is the organisation's alone, and its messages wait for instruction.
    const recipients = (
      side === 'instruction'
        ? (await listActiveMembers(tx, request.organisationId))
            .filter((member) => mayWriteRequests(member.roles))
            .map((member) => ({ id: member.userId, email: member.email }))
        : request.submittedAt === null
          ? []
          : await listStaffForDefinition(tx, 'instructeur', definition.slug)
    ).filter((recipient) => recipient.id !== actor.id);
    const mail = { mailer: deps.mailer, publicUrl: deps.publicUrl };
    dispatches = await deps.mailer.enqueueEach(tx, recipients, (recipient) => ({
      to: recipient.email,
      template: 'request-message',
      data: {
        ...requestMailBase(
          mail,
          request,
          definition,
          side === 'instruction' ? 'organisation' : 'instruction',
        ),
        authorLabel:
          side === 'instruction'
            ? 'L’équipe d’instruction'
            : `${actor.givenName} ${actor.familyName} (${request.organisation.name})`,
        message: body,
      },
      idempotencyKey: `request-message:${messageId}:${recipient.id}`,
    }));
    return messageId;
  });
  await dispatchAll(dispatches);
  return { id, waitsForSubmission: side === 'organisation' && request.submittedAt === null };
}

export async function listMessages(deps: AppDeps, actor: User, requestId: string): Promise<RequestMessage[]> {
  const visible = await loadVisibleRequest(deps, actor, requestId);
  if (!visible.access.member && !visible.access.instructor && !visible.access.reporter) throw notFound();
  return listRequestMessages(deps.db, requestId, { internal: false });
}

function requireInstructionSide(visible: VisibleRequest): void {
  // The organisation never learns that internal notes or opinions exist.
  if (!visible.access.instructor && !visible.access.reporter) throw notFound();
}

/** An internal note: instructors and reporters see it, the organisation never does. */
export async function addNote(
  deps: AppDeps,
  actor: User,
  requestId: string,
  input: unknown,
): Promise<string> {
  const visible = await loadVisibleRequest(deps, actor, requestId);
  // Reporters read the notes; only instructors write them.
  if (!visible.access.instructor) throw notFound();
  const { body } = parseInput(messageSchema, input);
  return withTransaction(deps.db, async (tx) => {
    const noteId = await insertRequestMessage(tx, {
      requestId,
      authorId: actor.id,
      side: 'instruction',
      internal: true,
      body,
    });
    await recordRequestEvent(tx, {
      requestId,
      revision: visible.request.revision,
      type: 'note',
      actorId: actor.id,
      internal: true,
      details: { noteId },
    });
    return noteId;
  });
}

export async function listNotes(deps: AppDeps, actor: User, requestId: string): Promise<RequestMessage[]> {
  requireInstructionSide(await loadVisibleRequest(deps, actor, requestId));
  return listRequestMessages(deps.db, requestId, { internal: true });
}

export const assignSchema = z.object({
  assign: z
    .boolean({ error: 'Valeur attendue : true (me l’attribuer) ou false (me retirer).' })
    .default(true),
});

/** An instructor takes the request (or gives it back); the timeline says who. */
export async function assignToMe(
  deps: AppDeps,
  actor: User,
  requestId: string,
  input: unknown,
): Promise<{ assigneeId: string | null }> {
  const visible = await loadVisibleRequest(deps, actor, requestId);
  requireInstructionSide(visible);
  if (!visible.access.instructor) throw notFound();
  const { assign } = parseInput(assignSchema, input ?? {});
  const assigneeId = assign ? actor.id : null;
  await withTransaction(deps.db, async (tx) => {
    await setAssignee(tx, requestId, assigneeId);
    await recordRequestEvent(tx, {
      requestId,
      revision: visible.request.revision,
      type: assign ? 'assigned' : 'unassigned',
      actorId: actor.id,
      internal: true,
    });
  });
  return { assigneeId };
}

export const opinionRequestSchema = z.object({
  reporterId: z.uuid('Identifiant de rapporteur invalide.'),
  question: writtenText('Posez votre question.', 'La question'),
});

export const opinionAnswerSchema = z.object({
  opinionId: z.uuid('Identifiant d’avis invalide.'),
  answer: writtenText('Donnez votre avis.', 'L’avis'),
});

/** The reporters an instructor may ask about this request: those of its definition. */
export async function listReporters(deps: AppDeps, actor: User, requestId: string) {
  const visible = await loadVisibleRequest(deps, actor, requestId);
  if (!visible.access.instructor) throw notFound();
  return listStaffForDefinition(deps.db, 'rapporteur', visible.definition.slug);
}

/** An instructor asks a reporter of the definition for an opinion; the reporter is emailed. */
export async function askOpinion(
  deps: AppDeps,
  actor: User,
  requestId: string,
  input: unknown,
): Promise<string> {
  const visible = await loadVisibleRequest(deps, actor, requestId);
  if (!visible.access.instructor) throw notFound();
  const { reporterId, question } = parseInput(opinionRequestSchema, input);
  const reporters = await listStaffForDefinition(deps.db, 'rapporteur', visible.definition.slug);
  const reporter = reporters.find((candidate) => candidate.id === reporterId);
  if (!reporter)
    throw validationFailed([
      { path: 'reporterId', message: 'Cette personne n’est pas rapporteur pour cette API.' },
    ]);
  const dispatches: Dispatch[] = [];
  const id = await withTransaction(deps.db, async (tx) => {
    const opinionId = await insertOpinionRequest(tx, { requestId, reporterId, askedBy: actor.id, question });
    await recordRequestEvent(tx, {
      requestId,
      revision: visible.request.revision,
      type: 'opinion_requested',
      actorId: actor.id,
      internal: true,
      details: { opinionId, reporterId },
    });
    const queued = await deps.mailer.enqueue(tx, {
      to: reporter.email,
      template: 'opinion-requested',
      data: {
        ...requestMailBase(
          { mailer: deps.mailer, publicUrl: deps.publicUrl },
          visible.request,
          visible.definition,
          'instruction',
        ),
        givenName: reporter.givenName,
        askedByName: `${actor.givenName} ${actor.familyName}`,
        question,
      },
      idempotencyKey: `opinion-requested:${opinionId}`,
    });
    dispatches.push(queued.dispatch);
    return opinionId;
  });
  await dispatchAll(dispatches);
  return id;
}

/** The reporter answers, once, on the request page. */
export async function giveOpinion(
  deps: AppDeps,
  actor: User,
  requestId: string,
  input: unknown,
): Promise<void> {
  const visible = await loadVisibleRequest(deps, actor, requestId);
  requireInstructionSide(visible);
  const { opinionId, answer } = parseInput(opinionAnswerSchema, input);
  await withTransaction(deps.db, async (tx) => {
    if (!(await answerOpinion(tx, { requestId, opinionId, reporterId: actor.id, answer }))) {
      const mine = (await listOpinions(tx, requestId)).find(
        (o) => o.id === opinionId && o.reporter.id === actor.id,
      );
      if (!mine) throw notFound();
      throw new AppError({
        kind: 'Conflict',
        code: 'opinion_already_given',
        message: 'Vous avez déjà donné cet avis.',
      });
    }
    await recordRequestEvent(tx, {
      requestId,
      revision: visible.request.revision,
      type: 'opinion_given',
      actorId: actor.id,
      internal: true,
      details: { opinionId },
    });
  });
}

export async function listRequestOpinions(deps: AppDeps, actor: User, requestId: string): Promise<Opinion[]> {
  requireInstructionSide(await loadVisibleRequest(deps, actor, requestId));
  return listOpinions(deps.db, requestId);
}

/** The timeline; the organisation sees everything but the instruction side's internal events. */
export async function listEvents(deps: AppDeps, actor: User, requestId: string): Promise<RequestEvent[]> {
  const visible = await loadVisibleRequest(deps, actor, requestId);
  const internal = visible.access.instructor || visible.access.reporter;
  return listRequestEvents(deps.db, requestId, { includeInternal: internal });
}

export interface SubmissionChanges {
  /** Number of the latest submission, and of the one it is compared with (null for a first submission). */
  current: number | null;
  previous: number | null;
  changes: FieldChange[];
  attachmentsAdded: string[];
  attachmentsRemoved: string[];
}

/** What changed between the two latest submissions (spec §3: "what changed since the previous submission"). */
export async function submissionChanges(
  deps: AppDeps,
  actor: User,
  requestId: string,
): Promise<SubmissionChanges> {
  await loadVisibleRequest(deps, actor, requestId);
  return changesBetweenSubmissions(deps, requestId);
}

async function changesBetweenSubmissions(deps: AppDeps, requestId: string): Promise<SubmissionChanges> {
  const [latest, previous] = await listSubmissions(deps.db, requestId, 2);
  if (!latest || !previous)
    return {
      current: latest?.number ?? null,
      previous: null,
      changes: [],
      attachmentsAdded: [],
      attachmentsRemoved: [],
    };
  const names = (files: typeof latest.attachments) =>
    new Map(files.map((file) => [file.sha256 + file.kind, file.originalName]));
  const before = names(previous.attachments);
  const after = names(latest.attachments);
  return {
    current: latest.number,
    previous: previous.number,
    changes: diffForms(previous.data, latest.data),
    attachmentsAdded: [...after].filter(([key]) => !before.has(key)).map(([, name]) => name),
    attachmentsRemoved: [...before].filter(([key]) => !after.has(key)).map(([, name]) => name),
  };
}

/** Everything the instruction side's request page shows, behind one access check. */
export interface InstructionView {
  visible: VisibleRequest;
  attachments: AttachmentInfo[];
  changes: SubmissionChanges;
  events: RequestEvent[];
  messages: RequestMessage[];
  notes: RequestMessage[];
  opinions: Opinion[];
  reporters: Awaited<ReturnType<typeof listStaffForDefinition>>;
  assignee: User | undefined;
  /** The organisation's directory facts and eligibility: whoever sees the request on this side sees them. */
  organisation: { facts: Organisation; legalCategoryLabel: string; eligibility: Eligibility } | undefined;
}

/**
 * The request as the instruction side works on it: instructors and reporters of its definition, and support
 * while it waits for them. Members of the organisation follow it on their own page (404 here).
 */
export async function viewForInstruction(
  deps: AppDeps,
  actor: User,
  requestId: string,
): Promise<InstructionView> {
  const visible = await loadVisibleRequest(deps, actor, requestId);
  const { access, request, definition } = visible;
  if (!access.instructor && !access.reporter && !access.support) throw notFound();
  const instructionSide = access.instructor || access.reporter;
  const [attachments, changes, events, messages, notes, opinions, reporters, assignee, organisation] =
    await Promise.all([
      listAttachments(deps.db, requestId),
      changesBetweenSubmissions(deps, requestId),
      listRequestEvents(deps.db, requestId, { includeInternal: instructionSide }),
      instructionSide ? listRequestMessages(deps.db, requestId, { internal: false }) : [],
      instructionSide ? listRequestMessages(deps.db, requestId, { internal: true }) : [],
      instructionSide ? listOpinions(deps.db, requestId) : [],
      access.instructor ? listStaffForDefinition(deps.db, 'rapporteur', definition.slug) : [],
      findPerson(deps, request.assigneeId),
      findOrganisationBySiret(deps.db, request.organisation.siret),
    ]);
  return {
    visible,
    attachments,
    changes,
    events,
    messages,
    notes,
    opinions,
    reporters,
    assignee,
    organisation: organisation && {
      facts: organisation,
      legalCategoryLabel: legalCategoryLabel(organisation.legalCategory),
      eligibility: eligibilityOf(organisation),
    },
  };
}

/** Everything the organisation's request page shows, behind one access check. */
export async function viewForOrganisation(
  deps: AppDeps,
  actor: User,
  requestId: string,
): Promise<{
  visible: VisibleRequest;
  attachments: AttachmentInfo[];
  events: RequestEvent[];
  messages: RequestMessage[];
}> {
  const visible = await loadVisibleRequest(deps, actor, requestId);
  if (!visible.access.member) return { visible, attachments: [], events: [], messages: [] };
  const [attachments, events, messages] = await Promise.all([
    listAttachments(deps.db, requestId),
    listRequestEvents(deps.db, requestId, { includeInternal: false }),
    listRequestMessages(deps.db, requestId, { internal: false }),
  ]);
  return { visible, attachments, events, messages };
}

export async function findPerson(deps: AppDeps, id: string | null) {
  return id === null ? undefined : findUserById(deps.db, id);
}
