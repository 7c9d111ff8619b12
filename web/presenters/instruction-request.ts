import { ATTACHMENT_KIND_LABELS } from '../../app/attachments.ts';
import type { InstructionView } from '../../app/instruction.ts';
import { commandsFor } from '../../app/request-access.ts';
import { hasBlock } from '../../domain/definitions.ts';
import { requestTitle } from '../../domain/request-form.ts';
import { instructionAge } from '../../domain/request-timers.ts';
import type { User } from '../../store/users.ts';
import { eventSentence } from '../request-events.ts';
import { submissionChangesView } from './form-changes.ts';
import { personName } from './people.ts';
import { readableForm } from './readable-form.ts';
import { requestStateBadge } from './request-state.ts';

export const instructionRequestPath = (id: string) => `/instruction/demandes/${id}`;

/** The forms of the request page, by the name under which a refused one comes back (web/form-actions.ts). */
export type InstructionForm =
  'approve' | 'refuse' | 'requestChanges' | 'message' | 'note' | 'opinion' | 'answer';

/** The fields each form shows its errors on; an error elsewhere (a tampered form) is said at the top. */
const SHOWN_FIELDS: Record<InstructionForm, string[]> = {
  approve: ['scopes'],
  refuse: ['reason'],
  requestChanges: ['reason'],
  message: ['body'],
  note: ['body'],
  opinion: ['reporterId', 'question'],
  answer: ['answer'],
};

/** A refused form of this page, as `takeFormState` gives it back after the redirect. */
export interface RefusedForm {
  form?: string;
  errors?: Record<string, string>;
  values?: Record<string, string>;
}

/**
 * Everything the instruction side's request page shows (spec §3), for the person looking at it: the facts, the
 * form as the applicant filled it (the readable form every page shares), what changed since the previous
 * submission, the decisions their role and the state allow, the thread, notes, opinions and the timeline.
 */
export function instructionRequestView(view: InstructionView, viewer: User, refused: RefusedForm) {
  const { visible, attachments, changes, events, messages, notes, opinions, reporters, assignee } = view;
  const { request, definition, access, position } = visible;
  const id = request.id;
  const instructionSide = access.instructor || access.reporter;

  const people = new Map<string, string>();
  for (const reporter of reporters) people.set(reporter.id, personName(reporter)!);
  for (const opinion of opinions) people.set(opinion.reporter.id, personName(opinion.reporter)!);
  const files = new Map(attachments.map((file) => [file.id, file.originalName]));
  const names = {
    person: (personId: unknown) => people.get(String(personId)),
    attachment: (fileId: unknown) => files.get(String(fileId)),
  };

  const errorsOf = (form: InstructionForm) => (refused.form === form ? (refused.errors ?? {}) : {});
  const valueOf = (form: InstructionForm, field: string) =>
    refused.form === form ? (refused.values?.[field] ?? '') : '';

  const commands = commandsFor(access, position);
  const requestedScopes = new Set(request.data.scopes ?? []);
  // A refused approval comes back with what was ticked (one box at most: a refusal means too few).
  const ticked = refused.form === 'approve' ? valueOf('approve', 'scopes') : undefined;
  const { ageDays, overdue } = instructionAge(request, definition.timers.instructionSlaDays);
  const organisation = view.organisation;
  const title = requestTitle(request.data);
  const answering = opinions.find(
    (opinion) => refused.form === 'answer' && refused.values?.opinionId === opinion.id,
  );
  const shown = new Set(
    refused.form === 'answer' && !answering ? [] : (SHOWN_FIELDS[refused.form as InstructionForm] ?? []),
  );
  const otherErrors = Object.entries(refused.errors ?? {})
    .filter(([field]) => !shown.has(field))
    .map(([, message]) => message);

  return {
    title,
    otherErrors: [...new Set(otherErrors)],
    id,
    path: instructionRequestPath(id),
    request: {
      title,
      state: requestStateBadge(request.state),
      // One numbering on this page, the submissions': a reopened habilitation is said in words.
      submission: changes.current,
      update: request.revision > 1,
      submittedAt: request.submittedAt,
      decidedAt: request.decidedAt,
      createdAt: request.createdAt,
      ageDays,
      overdue,
      applicant: personName(request.author),
      applicantEmail: request.author?.email,
    },
    definition: { name: definition.name, slaDays: definition.timers.instructionSlaDays },
    access,
    readOnly: !access.instructor,
    instructionSide,
    backLabel: instructionSide
      ? 'Retour aux demandes à instruire'
      : access.support
        ? 'Retour aux demandes en attente du support'
        : undefined,
    organisation: organisation && {
      ...organisation.facts,
      legalCategoryLabel: organisation.legalCategoryLabel,
      eligible: organisation.eligibility.status === 'eligible',
      eligibilityReason: organisation.eligibility.reason,
    },
    // The applicant's words ("Votre projet") are not the instructor's.
    sections: readableForm(definition, request.data).map((section) => ({
      ...section,
      label: section.block === 'project' ? 'Projet' : section.label,
    })),
    attachments: attachments.map((file) => ({
      name: file.originalName,
      kind: ATTACHMENT_KIND_LABELS[file.kind as keyof typeof ATTACHMENT_KIND_LABELS] ?? file.kind,
      size: `${Math.max(1, Math.round(file.sizeBytes / 1024)).toLocaleString('fr-FR')} ko`,
      createdAt: file.createdAt,
      href: `/api/v1/requests/${id}/attachments/${file.id}`,
    })),
    changes: submissionChangesView(definition, changes),
    events: events.map((event) => ({
      occurredAt: event.occurredAt,
      who: personName(event.actor) ?? 'Sésame',
      sentence: eventSentence(event, definition, names),
      reason: event.text,
      internal: event.internal,
    })),
    messages: messages.map((message) => ({
      author: personName(message.author) ?? 'Compte supprimé',
      sideLabel: message.side === 'instruction' ? 'Équipe d’instruction' : request.organisation.name,
      body: message.body,
      createdAt: message.createdAt,
    })),
    notes: notes.map((note) => ({
      author: personName(note.author) ?? 'Compte supprimé',
      body: note.body,
      createdAt: note.createdAt,
    })),
    assignee: assignee ? personName(assignee) : undefined,
    assignedToMe: request.assigneeId === viewer.id,
    opinions: opinions.map((opinion) => {
      const answeringThis = opinion === answering;
      return {
        id: opinion.id,
        reporter: personName(opinion.reporter),
        askedBy: personName(opinion.askedBy) ?? 'Compte supprimé',
        question: opinion.question,
        answer: opinion.answer,
        askedAt: opinion.askedAt,
        answeredAt: opinion.answeredAt,
        canAnswer: opinion.reporter.id === viewer.id && opinion.answer === null,
        answerError: answeringThis ? refused.errors?.answer : undefined,
        answerValue: answeringThis ? (refused.values?.answer ?? '') : '',
      };
    }),
    reporters: reporters.map((reporter) => ({
      id: reporter.id,
      name: `${personName(reporter)} (${reporter.email})`,
      selected: valueOf('opinion', 'reporterId') === reporter.id,
    })),
    decisions: {
      any: ['approve', 'refuse', 'request_changes', 'revoke', 'resolve'].some((command) =>
        commands.includes(command as (typeof commands)[number]),
      ),
      approve: commands.includes('approve') && {
        scopesBlock: hasBlock(definition, 'scopes') && requestedScopes.size > 0,
        scopeGroups: definition.scopeGroups
          .map((group) => ({
            label: group.label,
            scopes: group.scopes
              .filter((scope) => requestedScopes.has(scope.id))
              .map((scope) => ({
                id: scope.id,
                label: scope.label,
                sensitive: scope.sensitive,
                checked: ticked === undefined || ticked === scope.id,
              })),
          }))
          .filter((group) => group.scopes.length > 0),
        errors: errorsOf('approve'),
      },
      refuse: commands.includes('refuse') && {
        errors: errorsOf('refuse'),
        reason: valueOf('refuse', 'reason'),
      },
      requestChanges: commands.includes('request_changes') && {
        errors: errorsOf('requestChanges'),
        reason: valueOf('requestChanges', 'reason'),
      },
      revoke: commands.includes('revoke'),
      resolve: commands.includes('resolve'),
    },
    forms: {
      message: { errors: errorsOf('message'), body: valueOf('message', 'body') },
      note: { errors: errorsOf('note'), body: valueOf('note', 'body') },
      opinion: {
        errors: errorsOf('opinion'),
        question: valueOf('opinion', 'question'),
        reporterSelected: reporters.some((reporter) => reporter.id === valueOf('opinion', 'reporterId')),
      },
    },
  };
}
