import { Router, type Request, type Response } from 'express';
import { ATTACHMENT_KIND_LABELS } from '../../app/attachments.ts';
import type { AppDeps } from '../../app/deps.ts';
import {
  addNote,
  askOpinion,
  assignToMe,
  giveOpinion,
  listQueue,
  postMessage,
  viewForInstruction,
  type QueuePage,
} from '../../app/instruction.ts';
import { viewOrganisation } from '../../app/organisations.ts';
import { commandsFor } from '../../app/request-access.ts';
import { runCommand, viewRequest } from '../../app/requests.ts';
import {
  CONTACT_ROLE_LABELS,
  CONTACT_ROLES,
  scopeLabel,
  FORM_BLOCK_LABELS,
  hasBlock,
  type ContactRole,
  type Definition,
} from '../../domain/definitions.ts';
import { AppError, type Problem } from '../../domain/errors.ts';
import type { FormData } from '../../domain/request-form.ts';
import { REQUEST_STATE_LABELS, REQUEST_STATES, type RequestCommand } from '../../domain/request-states.ts';
import { definitionsOfStaff } from '../../domain/roles.ts';
import type { User } from '../../store/users.ts';
import { flash } from '../flash.ts';
import { fieldErrorsOf } from '../forms.ts';
import { instructionAge } from '../../domain/request-timers.ts';
import { idParam } from '../path-params.ts';
import { requireSignedIn } from '../page-context.ts';
import { personName } from '../presenters/people.ts';
import { requestStateBadge } from '../presenters/request-state.ts';
import { eventSentence } from '../request-events.ts';
import { requestTitle } from '../../domain/request-form.ts';

/**
 * The instruction side of access requests (spec §3): the queue of the definitions a person instructs or
 * reports on, and one page per request with everything needed to decide. Every rule lives in app/; these
 * pages only turn forms into calls and results into French.
 */

const requestPath = (id: string) => `/instruction/demandes/${id}`;

/** A query or form value as text; anything else (a repeated parameter) is not echoed back. */
const textOf = (value: unknown): string => (typeof value === 'string' ? value : '');

// ---------------------------------------------------------------------------------------------------------
// Labels of the form's fields, for the data blocks and for "what changed since the previous submission".

const FIELD_LABELS: Record<string, string> = {
  'project.title': 'Intitulé du projet',
  'project.description': 'Description du projet',
  'project.useCase': 'Cas d’usage',
  'project.serviceUrl': 'Adresse du service en ligne',
  scopes: 'Données demandées',
  'legalBasis.nature': 'Nature et référence du texte',
  'legalBasis.url': 'Adresse du texte',
  'personalData.recipients': 'Destinataires des données',
  'personalData.retentionMonths': 'Durée de conservation',
  'personalData.retentionJustification': 'Justification de la durée de conservation',
  'terms.cguAccepted': 'Conditions générales d’utilisation acceptées',
  'terms.dpoInformed': 'Délégué·e à la protection des données informé·e',
};

const CONTACT_FIELD_LABELS: Record<string, string> = {
  givenName: 'Prénom',
  familyName: 'Nom',
  email: 'Adresse électronique',
  phone: 'Téléphone',
  jobTitle: 'Fonction',
};

function fieldLabel(path: string): string {
  const contact = /^contacts\.([^.]+)\.([^.]+)$/.exec(path);
  if (contact) {
    const role = CONTACT_ROLE_LABELS[contact[1] as ContactRole] ?? contact[1];
    return `${role} — ${CONTACT_FIELD_LABELS[contact[2]!] ?? contact[2]}`;
  }
  const block = path.split('.')[0] as keyof typeof FORM_BLOCK_LABELS;
  const label = FIELD_LABELS[path];
  if (label === undefined) return path;
  return block === 'project' || block === 'scopes' ? label : `${FORM_BLOCK_LABELS[block]} — ${label}`;
}

function useCaseLabel(definition: Definition, id: string): string {
  return definition.useCases.find((useCase) => useCase.id === id)?.label ?? id;
}

/** A value of the form as a person reads it. */
function displayValue(definition: Definition, path: string, value: unknown): string {
  if (value === undefined || value === null || value === '') return 'non renseigné';
  if (path === 'scopes' && Array.isArray(value))
    return value.length === 0 ? 'aucune' : value.map((id) => scopeLabel(definition, String(id))).join(', ');
  if (path === 'project.useCase') return useCaseLabel(definition, String(value));
  if (path === 'personalData.retentionMonths') return `${String(value)} mois`;
  if (typeof value === 'boolean') return value ? 'oui' : 'non';
  if (Array.isArray(value)) return value.map(String).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

interface Fact {
  label: string;
  value: string;
  href?: string;
  missing?: boolean;
}

const fact = (label: string, value: unknown, options: { href?: boolean; suffix?: string } = {}): Fact => {
  const text =
    typeof value === 'string' ? value.trim() : value === undefined || value === null ? '' : String(value);
  if (text === '') return { label, value: 'Non renseigné', missing: true };
  const href = options.href && /^https?:\/\//i.test(text) ? text : undefined;
  return { label, value: `${text}${options.suffix ?? ''}`, href };
};

const yesNo = (label: string, value: boolean | undefined): Fact => ({
  label,
  value: value === true ? 'Oui' : 'Non',
  missing: value !== true,
});

/** The form block by block, in the definition's order, with the definition's labels. */
function formBlocks(definition: Definition, data: FormData) {
  return definition.blocks.map((block) => {
    const view: {
      id: string;
      label: string;
      facts: Fact[];
      scopeGroups?: { label: string; scopes: { id: string; label: string; sensitive: boolean }[] }[];
      noScopes?: boolean;
      contacts?: { label: string; facts: Fact[] }[];
    } = { id: `bloc-${block}`, label: FORM_BLOCK_LABELS[block], facts: [] };
    switch (block) {
      case 'project': {
        const project = data.project ?? {};
        view.facts = [
          fact('Intitulé', project.title),
          fact('Description', project.description),
          ...(definition.useCases.length > 0
            ? [fact('Cas d’usage', project.useCase && useCaseLabel(definition, project.useCase))]
            : []),
          fact('Adresse du service en ligne', project.serviceUrl, { href: true }),
        ];
        break;
      }
      case 'scopes': {
        const requested = new Set(data.scopes ?? []);
        view.scopeGroups = definition.scopeGroups
          .map((group) => ({
            label: group.label,
            scopes: group.scopes
              .filter((scope) => requested.has(scope.id))
              .map((scope) => ({ id: scope.id, label: scope.label, sensitive: scope.sensitive })),
          }))
          .filter((group) => group.scopes.length > 0);
        view.noScopes = requested.size === 0;
        break;
      }
      case 'legalBasis':
        view.facts = [
          fact('Nature et référence du texte', data.legalBasis?.nature),
          fact('Adresse du texte', data.legalBasis?.url, { href: true }),
        ];
        break;
      case 'personalData':
        view.facts = [
          fact('Destinataires des données', data.personalData?.recipients),
          fact('Durée de conservation', data.personalData?.retentionMonths, { suffix: ' mois' }),
          ...(data.personalData?.retentionJustification
            ? [fact('Justification de la durée', data.personalData.retentionJustification)]
            : []),
        ];
        break;
      case 'contacts':
        view.contacts = CONTACT_ROLES.filter((role) => definition.contacts.includes(role)).map((role) => {
          const contact = data.contacts?.[role] ?? {};
          return {
            label: CONTACT_ROLE_LABELS[role],
            facts: [
              fact('Nom', [contact.givenName, contact.familyName].filter(Boolean).join(' ')),
              fact('Fonction', contact.jobTitle),
              fact('Adresse électronique', contact.email),
              fact('Téléphone', contact.phone),
            ],
          };
        });
        break;
      case 'terms':
        view.facts = [
          yesNo('Conditions générales d’utilisation acceptées', data.terms?.cguAccepted),
          ...(definition.contacts.includes('dpo')
            ? [yesNo('Délégué·e à la protection des données informé·e', data.terms?.dpoInformed)]
            : []),
        ];
        break;
    }
    return view;
  });
}

// ---------------------------------------------------------------------------------------------------------
// Forms of the request page and the commands they send.

const DECISIONS: Partial<Record<RequestCommand, { form: string; path: string; done: string }>> = {
  approve: {
    form: 'approve',
    path: 'valider',
    done: 'La demande est validée : l’habilitation est en cours de création et l’organisation en est informée par courriel.',
  },
  refuse: {
    form: 'refuse',
    path: 'refuser',
    done: 'La demande est refusée. L’organisation en est informée par courriel, avec le motif.',
  },
  request_changes: {
    form: 'requestChanges',
    path: 'demander-modifications',
    done: 'Les modifications sont demandées. L’organisation en est informée par courriel, avec le motif.',
  },
  revoke: {
    form: 'revoke',
    path: 'revoquer',
    done: 'L’habilitation est révoquée. L’organisation en est informée par courriel, avec le motif.',
  },
  resolve: {
    form: 'resolve',
    path: 'debloquer',
    done: 'Le blocage est levé : la demande est de nouveau à instruire.',
  },
};

type FormName =
  | 'approve'
  | 'refuse'
  | 'requestChanges'
  | 'revoke'
  | 'resolve'
  | 'message'
  | 'note'
  | 'assign'
  | 'opinion'
  | 'answer';

interface FailedForm {
  form: FormName;
  errors: Record<string, string>;
  values: Record<string, unknown>;
}

/** The message of a problem that leaves the page as it was (a decision already taken, an opinion given). */
function problemMessage(problem: Problem): string | undefined {
  switch (problem.kind) {
    case 'InvalidTransition':
      return `Cette action n’est pas possible : la demande est à l’état « ${problem.stateLabel} ». La page montre son état actuel.`;
    case 'Conflict':
      return problem.message;
    default:
      return undefined;
  }
}

/** Checkboxes arrive as one string, several, or nothing at all. */
const asList = (value: unknown): string[] =>
  Array.isArray(value)
    ? value.filter((item): item is string => typeof item === 'string')
    : typeof value === 'string'
      ? [value]
      : [];

// ---------------------------------------------------------------------------------------------------------

export function instructionPages(deps: AppDeps): Router {
  const router = Router();

  /** The definitions shown in the queue's filter: those the person instructs or reports on. */
  const definitionsOf = (user: User) => {
    const slugs = definitionsOfStaff(user.staffRoles);
    return deps.definitions.list().filter((definition) => slugs === null || slugs.includes(definition.slug));
  };

  router.get('/instruction', requireSignedIn, async (req, res) => {
    const user = req.user!;
    const raw = req.query as Record<string, unknown>;
    const query: Record<string, unknown> = {};
    for (const key of ['definition', 'state', 'q', 'page'])
      if (raw[key] !== undefined && raw[key] !== '') query[key] = raw[key];

    let page: QueuePage | undefined;
    let errors: Record<string, string> | undefined;
    try {
      page = await listQueue(deps, user, query);
    } catch (error) {
      errors = fieldErrorsOf(error);
      if (!errors) throw error;
    }

    const filters = { definition: textOf(raw.definition), state: textOf(raw.state), q: textOf(raw.q) };
    const linkTo = (pageNumber: number) => {
      const params = new URLSearchParams(Object.entries(filters).filter(([, value]) => value !== ''));
      if (pageNumber > 1) params.set('page', String(pageNumber));
      const search = params.toString();
      return search ? `/instruction?${search}` : '/instruction';
    };
    const totalPages = page ? Math.max(1, Math.ceil(page.total / page.pageSize)) : 1;
    const current = page?.page ?? 1;

    res.status(errors ? 422 : 200).render('instruction-queue', {
      title: 'Demandes à instruire',
      activeNav: 'instruction',
      filters,
      errors: errors ?? {},
      errorList: errors ? Object.values(errors) : [],
      definitions: definitionsOf(user).map((definition) => ({
        slug: definition.slug,
        name: definition.name,
        selected: definition.slug === filters.definition,
      })),
      states: REQUEST_STATES.map((state) => ({
        value: state,
        label: REQUEST_STATE_LABELS[state],
        selected: state === filters.state,
      })),
      total: page?.total ?? 0,
      items: (page?.items ?? []).map((item) => ({
        id: item.id,
        href: requestPath(item.id),
        title: requestTitle(item.data),
        definitionName: deps.definitions.find(item.definition)?.name ?? item.definition,
        organisation: item.organisation,
        applicant: personName(item.author),
        applicantEmail: item.author?.email,
        submittedAt: item.submittedAt,
        ageDays: item.ageDays,
        slaDays: item.slaDays,
        overdue: item.overdue,
        assigned: item.assigneeId === user.id,
        state: requestStateBadge(item.state),
      })),
      pagination:
        page && totalPages > 1
          ? {
              first: current > 1 ? linkTo(1) : undefined,
              previous: current > 1 ? linkTo(current - 1) : undefined,
              next: current < totalPages ? linkTo(current + 1) : undefined,
              last: current < totalPages ? linkTo(totalPages) : undefined,
              pages: pageWindow(current, totalPages).map((number) =>
                number === null
                  ? { gap: true }
                  : { number, href: linkTo(number), current: number === current },
              ),
            }
          : undefined,
      pageLabel: page && totalPages > 1 ? `page ${current} sur ${totalPages}` : undefined,
    });
  });

  /** Everything the request page shows, for the person looking at it; 404 to anyone outside instruction. */
  const requestPage = async (req: Request, id: string, failed?: FailedForm) => {
    const user = req.user!;
    const view = await viewForInstruction(deps, user, id);
    const { visible, attachments, changes, events, messages, notes, opinions, reporters, assignee } = view;
    const { request, definition, access, position } = visible;
    const instructionSide = access.instructor || access.reporter;
    const organisation = await viewOrganisation(deps, user, request.organisation.siret);

    const people = new Map<string, string>();
    for (const reporter of reporters) people.set(reporter.id, personName(reporter)!);
    for (const opinion of opinions) people.set(opinion.reporter.id, personName(opinion.reporter)!);
    const files = new Map(attachments.map((file) => [file.id, file.originalName]));
    const names = {
      person: (personId: unknown) => people.get(String(personId)),
      attachment: (fileId: unknown) => files.get(String(fileId)),
    };

    const errorsOf = (form: FormName) => (failed?.form === form ? failed.errors : {});
    const valueOf = (form: FormName, field: string) =>
      failed?.form === form ? textOf(failed.values[field]) : '';

    const commands = commandsFor(access, position).filter((command) => DECISIONS[command] !== undefined);
    const granted = failed?.form === 'approve' ? new Set(asList(failed.values.scopes)) : undefined;
    const requestedScopes = new Set(request.data.scopes ?? []);
    const { ageDays, overdue } = instructionAge(request, definition.timers.instructionSlaDays);

    return {
      title: requestTitle(request.data),
      activeNav: 'instruction',
      id,
      path: requestPath(id),
      request: {
        title: requestTitle(request.data),
        revision: request.revision,
        state: requestStateBadge(request.state),
        submittedAt: request.submittedAt,
        decidedAt: request.decidedAt,
        createdAt: request.createdAt,
        ageDays,
        overdue,
        applicant: personName(request.author),
        applicantEmail: request.author?.email,
      },
      definition: {
        name: definition.name,
        slug: definition.slug,
        slaDays: definition.timers.instructionSlaDays,
      },
      access,
      readOnly: !access.instructor,
      instructionSide,
      organisation: {
        ...organisation.organisation,
        legalCategoryLabel: organisation.legalCategoryLabel,
        eligible: organisation.eligibility.status === 'eligible',
        eligibilityReason: organisation.eligibility.reason,
      },
      blocks: formBlocks(definition, request.data),
      attachments: attachments.map((file) => ({
        name: file.originalName,
        kind: ATTACHMENT_KIND_LABELS[file.kind as keyof typeof ATTACHMENT_KIND_LABELS] ?? file.kind,
        size: `${Math.max(1, Math.round(file.sizeBytes / 1024)).toLocaleString('fr-FR')} ko`,
        createdAt: file.createdAt,
        href: `/api/v1/requests/${id}/attachments/${file.id}`,
      })),
      changes: {
        neverSubmitted: changes.current === null,
        first: changes.current !== null && changes.previous === null,
        current: changes.current,
        previous: changes.previous,
        none:
          changes.previous !== null &&
          changes.changes.length === 0 &&
          changes.attachmentsAdded.length === 0 &&
          changes.attachmentsRemoved.length === 0,
        fields: changes.changes.map((change) => ({
          label: fieldLabel(change.path),
          before: displayValue(definition, change.path, change.before),
          after: displayValue(definition, change.path, change.after),
        })),
        attachmentsAdded: changes.attachmentsAdded,
        attachmentsRemoved: changes.attachmentsRemoved,
      },
      events: events.map((event) => ({
        occurredAt: event.occurredAt,
        who: personName(event.actor) ?? 'Sésame',
        sentence: eventSentence(event, definition, names),
        reason: event.text,
        internal: event.internal,
        revision: event.revision,
      })),
      messages: messages.map((message) => ({
        author: personName(message.author) ?? 'Compte supprimé',
        sideLabel: message.side === 'instruction' ? 'Équipe d’instruction' : request.organisation.name,
        fromInstruction: message.side === 'instruction',
        body: message.body,
        createdAt: message.createdAt,
      })),
      notes: notes.map((note) => ({
        author: personName(note.author) ?? 'Compte supprimé',
        body: note.body,
        createdAt: note.createdAt,
      })),
      assignee: assignee ? personName(assignee) : undefined,
      assignedToMe: request.assigneeId === user.id,
      opinions: opinions.map((opinion) => {
        const mine = opinion.reporter.id === user.id && opinion.answer === null;
        const failedHere = failed?.form === 'answer' && failed.values.opinionId === opinion.id;
        return {
          id: opinion.id,
          reporter: personName(opinion.reporter),
          askedBy: personName(opinion.askedBy) ?? 'Compte supprimé',
          question: opinion.question,
          answer: opinion.answer,
          askedAt: opinion.askedAt,
          answeredAt: opinion.answeredAt,
          canAnswer: mine,
          answerError: failedHere ? failed.errors.answer : undefined,
          answerValue: failedHere ? textOf(failed.values.answer) : '',
        };
      }),
      reporters: reporters.map((reporter) => ({
        id: reporter.id,
        name: `${personName(reporter)} (${reporter.email})`,
        selected: valueOf('opinion', 'reporterId') === reporter.id,
      })),
      decisions: {
        any: commands.length > 0,
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
                  checked: granted ? granted.has(scope.id) : true,
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
        revoke: commands.includes('revoke') && {
          errors: errorsOf('revoke'),
          reason: valueOf('revoke', 'reason'),
        },
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
      failedErrors: failed ? [...new Set(Object.values(failed.errors))] : [],
    };
  };

  const idOf = (req: Request): string => idParam(req, 'id');

  router.get('/instruction/demandes/:id', requireSignedIn, async (req, res) => {
    res.render('instruction-request', await requestPage(req, idOf(req)));
  });

  /**
   * One action of the request page: on success a confirmation and back to the page; a faulty field shows the
   * page again with the error next to it (422); a state that no longer allows the action says so.
   */
  const action = (
    form: FormName,
    run: (user: User, id: string, body: Record<string, unknown>) => Promise<string>,
    after?: (req: Request, res: Response, id: string) => Promise<void>,
  ) =>
    async function handle(req: Request, res: Response) {
      const id = idOf(req);
      const body = (req.body ?? {}) as Record<string, unknown>;
      let done: string;
      try {
        done = await run(req.user!, id, body);
      } catch (error) {
        const errors = fieldErrorsOf(error);
        if (errors)
          return res
            .status(422)
            .render('instruction-request', await requestPage(req, id, { form, errors, values: body }));
        const message = error instanceof AppError ? problemMessage(error.problem) : undefined;
        if (message === undefined) throw error;
        flash(req, 'error', message);
        return res.redirect(requestPath(id));
      }
      flash(req, 'success', done);
      if (after) return after(req, res, id);
      res.redirect(requestPath(id));
    };

  for (const [command, decision] of Object.entries(DECISIONS) as [
    RequestCommand,
    NonNullable<(typeof DECISIONS)[RequestCommand]>,
  ][]) {
    router.post(
      `/instruction/demandes/:id/${decision.path}`,
      requireSignedIn,
      action(
        decision.form as FormName,
        async (user, id, body) => {
          let input: Record<string, unknown> = {};
          if (command === 'approve') {
            // Where the form showed the scopes, what is ticked is what is granted (app/ checks it).
            if (body.grantChosen !== undefined) input = { scopes: asList(body.scopes) };
          } else if (command !== 'resolve') input = { reason: body.reason };
          await runCommand(deps, user, id, command, input);
          return decision.done;
        },
        command === 'resolve'
          ? async (req, res, id) => {
              // Once unblocked, the request leaves support's hands: back to its page only if still visible.
              const visible = await viewRequest(deps, req.user!, id).catch(() => undefined);
              res.redirect(visible ? requestPath(id) : '/tableau-de-bord');
            }
          : undefined,
      ),
    );
  }

  router.post(
    '/instruction/demandes/:id/messages',
    requireSignedIn,
    action('message', async (user, id, body) => {
      await postMessage(deps, user, id, { body: body.body });
      return 'Votre message est envoyé à l’organisation, qui en est informée par courriel.';
    }),
  );

  router.post(
    '/instruction/demandes/:id/notes',
    requireSignedIn,
    action('note', async (user, id, body) => {
      await addNote(deps, user, id, { body: body.body });
      return 'La note interne est enregistrée. Elle n’est jamais montrée à l’organisation.';
    }),
  );

  router.post(
    '/instruction/demandes/:id/attribution',
    requireSignedIn,
    action('assign', async (user, id, body) => {
      const assign = body.assign === 'false' ? false : body.assign === 'true' ? true : body.assign;
      const { assigneeId } = await assignToMe(deps, user, id, { assign });
      return assigneeId ? 'La demande vous est attribuée.' : 'La demande ne vous est plus attribuée.';
    }),
  );

  router.post(
    '/instruction/demandes/:id/avis',
    requireSignedIn,
    action('opinion', async (user, id, body) => {
      await askOpinion(deps, user, id, { reporterId: body.reporterId, question: body.question });
      return 'La demande d’avis est envoyée au rapporteur, qui en est informé par courriel.';
    }),
  );

  router.post(
    '/instruction/demandes/:id/avis/reponse',
    requireSignedIn,
    action('answer', async (user, id, body) => {
      await giveOpinion(deps, user, id, { opinionId: body.opinionId, answer: body.answer });
      return 'Votre avis est enregistré ; l’équipe d’instruction le voit sur cette page.';
    }),
  );

  return router;
}

/** The page numbers around the current one, with the first and the last; null marks a gap. */
function pageWindow(current: number, total: number): (number | null)[] {
  const numbers = new Set([1, total, current - 1, current, current + 1].filter((n) => n >= 1 && n <= total));
  const sorted = [...numbers].sort((a, b) => a - b);
  const result: (number | null)[] = [];
  sorted.forEach((number, index) => {
    if (index > 0 && number - sorted[index - 1]! > 1) result.push(null);
    result.push(number);
  });
  return result;
}
