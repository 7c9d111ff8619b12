import { Router, type Request, type Response } from 'express';
import { receiveFile } from '../../http/uploads.ts';
import type { UploadedFile } from '../../domain/uploaded-file.ts';
import {
  addAttachment,
  ATTACHMENT_KIND_LABELS,
  listRequestAttachments,
  MAX_ATTACHMENT_BYTES,
  removeAttachment,
} from '../../app/attachments.ts';
import type { AppDeps } from '../../app/deps.ts';
import { postMessage, threadSide, viewForOrganisation } from '../../app/instruction.ts';
import { listMyOrganisations } from '../../app/organisations.ts';
import { commandsFor, type VisibleRequest } from '../../app/request-access.ts';
import {
  copyRequest,
  createRequest,
  listMyRequests,
  lenientRequestsFilterSchema,
  runCommand,
  updateDraft,
  viewRequest,
} from '../../app/requests.ts';
import { viewHabilitation } from '../../app/tokens.ts';
import { theApi } from '../../domain/api-name.ts';
import { CREDENTIAL_TYPE_LABELS, hasBlock, type FormBlock } from '../../domain/definitions.ts';
import { AppError, notFound } from '../../domain/errors.ts';
import { blockErrors, completeBlocks, requestTitle, submissionErrors } from '../../domain/request-form.ts';
import {
  isEditable,
  REQUEST_COMMAND_LABELS,
  REQUEST_STATE_LABELS,
  REQUEST_STATES,
  type RequestCommand,
} from '../../domain/request-states.ts';
import { mayWriteRequests } from '../../domain/organisation-roles.ts';
import { formatDate, formatElapsed } from '../../domain/french-format.ts';
import type { RequestEvent } from '../../store/request-events.ts';
import { renderConfirmation } from '../confirmation.ts';
import { flash } from '../flash.ts';
import { formAction, keepFormState, takeFormState } from '../form-actions.ts';
import { fieldErrorsOf } from '../forms.ts';
import { idParam } from '../path-params.ts';
import { requireSignedIn } from '../page-context.ts';
import { eventActor, eventSentence } from '../request-events.ts';
import { readableForm } from '../presenters/readable-form.ts';
import { requestStateBadge } from '../presenters/request-state.ts';
import {
  CONTACT_FIELDS,
  CONTACT_ROLE_LABELS,
  fieldAnchor,
  fieldPlace,
  formSteps,
  resumeStep,
  stepOfPath,
  stepPatch,
  SUMMARY_STEP,
  type FormStep,
} from '../request-form-steps.ts';

const requestId = (req: Request): string => idParam(req, 'id');
/** Flat `path → value` pairs of the form data, as the fields of the steps are named. */
function flatten(value: unknown, prefix = ''): Record<string, string> {
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    return { [prefix]: Array.isArray(value) ? value.join(',') : String(value) };
  return Object.assign(
    {},
    ...Object.entries(value as Record<string, unknown>).map(([key, inner]) =>
      flatten(inner, prefix ? `${prefix}.${key}` : key),
    ),
  );
}

const stepPath = (id: string, step: FormStep) => `/demandes/${id}/formulaire/${step.slug}`;

/** The errors of a form, as the list at the top of a page shows them: where, what, and a link to the field. */
function errorList(errors: Record<string, string>, href: (path: string) => string) {
  return Object.entries(errors).map(([path, message]) => ({
    path,
    place: fieldPlace(path),
    message,
    href: href(path),
  }));
}

const attachmentLabels = <T extends { kind: string }>(files: T[]) =>
  files.map((file) => ({
    ...file,
    kindLabel: ATTACHMENT_KIND_LABELS[file.kind as keyof typeof ATTACHMENT_KIND_LABELS] ?? file.kind,
  }));

/** The latest submission's number, as the history counts them (« soumission n° 2 »). */
function submissionNumber(events: RequestEvent[]): number | undefined {
  const submission = events.findLast((event) => event.type === 'submit')?.details.submission;
  return typeof submission === 'number' ? submission : undefined;
}

export function requestPages(deps: AppDeps): Router {
  const router = Router();

  const medianDecision = async (slug: string): Promise<string | undefined> => {
    const medians = await deps.statistics.medianDecisionTimes();
    return medians.has(slug) ? formatElapsed(medians.get(slug)!) : undefined;
  };

  router.get('/demandes', requireSignedIn, async (req, res) => {
    // The query string speaks French (« etat », « api »), as the form's fields do.
    const filter = lenientRequestsFilterSchema.parse({
      q: req.query.q,
      state: req.query.etat,
      definition: req.query.api,
    });
    const requests = await listMyRequests(deps, req.user!, filter);
    const filtered = Boolean(filter.q || filter.state || filter.definition);
    res.render('demandes', {
      title: 'Mes demandes',
      filter,
      filtered,
      countLabel:
        requests.length === 0
          ? 'Aucune demande'
          : requests.length === 1
            ? '1 demande'
            : `${requests.length} demandes`,
      states: REQUEST_STATES.map((state) => ({
        value: state,
        label: REQUEST_STATE_LABELS[state],
        selected: state === filter.state,
      })),
      apis: deps.definitions.list().map((definition) => ({
        value: definition.slug,
        label: definition.name,
        selected: definition.slug === filter.definition,
      })),
      requests: requests.map((request) => ({
        ...request,
        title: requestTitle(request.data),
        definitionName: deps.definitions.find(request.definition)?.name ?? request.definition,
        state: requestStateBadge(request.state),
      })),
    });
  });

  router.get('/demandes/nouvelle', requireSignedIn, async (req, res) => {
    const [{ memberships }, medians] = await Promise.all([
      listMyOrganisations(deps, req.user!),
      deps.statistics.medianDecisionTimes(),
    ]);
    const { errors } = takeFormState(req);
    const organisations = memberships
      .filter((m) => m.status === 'active' && mayWriteRequests(m.roles))
      .map((m) => ({ ...m.organisation, current: m.current }));
    res.render('demande-nouvelle', {
      title: 'Nouvelle demande d’accès',
      errors: errors ?? {},
      errorList: Object.entries(errors ?? {}).map(([path, message]) => ({
        place: path === 'definition' ? 'API demandée' : 'Organisation',
        message,
        href: path === 'definition' ? `#api-${deps.definitions.list()[0]?.slug}` : '#siret',
      })),
      definitions: deps.definitions.list().map((definition) => ({
        ...definition,
        credentialLabel: definition.credentialTypes.map((type) => CREDENTIAL_TYPE_LABELS[type]).join(' et '),
        selected: definition.slug === req.query.api,
        medianDecision: medians.has(definition.slug)
          ? formatElapsed(medians.get(definition.slug)!)
          : undefined,
      })),
      organisations,
    });
  });

  router.post(
    '/demandes/nouvelle',
    requireSignedIn,
    formAction(
      async (req) => {
        const request = await createRequest(deps, req.user!, {
          definition: req.body?.definition ?? '',
          siret: req.body?.siret ?? '',
        });
        return { redirect: stepPath(request.id, formSteps(deps.definitions.find(request.definition)!)[0]!) };
      },
      { back: () => '/demandes/nouvelle' },
    ),
  );

  router.get('/demandes/:id', requireSignedIn, async (req, res) => {
    const { visible, attachments, events, messages } = await viewForOrganisation(
      deps,
      req.user!,
      requestId(req),
    );
    // Instructors and reporters work from the instruction page.
    if (!visible.access.member) return res.redirect(`/instruction/demandes/${visible.request.id}`);
    const { request, definition } = visible;
    const commands = commandsFor(visible.access, visible.position);
    const editable = visible.access.applicant && isEditable(request.state);
    const changesAsked =
      request.state === 'changes_requested'
        ? events.findLast((event) => event.type === 'request_changes')
        : undefined;
    const habilitation = visible.activeHabilitationId
      ? await viewHabilitation(deps, req.user!, visible.activeHabilitationId).catch(() => undefined)
      : undefined;
    const { errors: messageErrors, values: messageValues } = takeFormState(req);
    res.render('demande', {
      title: requestTitle(request.data),
      request,
      definition,
      apiName: theApi(definition.name),
      state: requestStateBadge(request.state),
      submission: (submissionNumber(events) ?? 0) > 1 ? submissionNumber(events) : undefined,
      reopened: visible.position.reopened,
      editable,
      changesAsked: changesAsked && {
        reason: changesAsked.text,
        by: eventActor(changesAsked),
        at: changesAsked.occurredAt,
      },
      resumeStep: resumeStep(
        definition,
        completeBlocks(
          definition,
          request.data,
          attachments.map((file) => file.kind),
        ),
      ).slug,
      waiting: request.state === 'submitted',
      heldForSupport: request.state === 'pending_support',
      medianDecision: request.state === 'submitted' ? await medianDecision(definition.slug) : undefined,
      habilitation: habilitation && {
        id: habilitation.habilitation.id,
        validUntil: formatDate(habilitation.habilitation.validUntil),
        usesTokens: habilitation.usesTokens,
        tokenCount: habilitation.tokens.filter((token) => token.usable).length,
      },
      technicalAccounts: habilitation && definition.credentialTypes.includes('technical_account'),
      // A copy starts another request from one that is decided or on its way; a draft is still its own to edit.
      canCopy: visible.access.applicant && !isEditable(request.state),
      sections: readableForm(definition, request.data),
      attachments: attachmentLabels(attachments),
      actions: commands
        .filter((command) => command === 'reopen')
        .map((command) => ({ path: 'mettre-a-jour', label: REQUEST_COMMAND_LABELS[command] })),
      canArchive: commands.includes('archive'),
      hasActions:
        commands.includes('reopen') ||
        commands.includes('archive') ||
        (visible.access.applicant && !isEditable(request.state)),
      canSubmit: commands.includes('submit'),
      events: events.map((event) => ({
        ...event,
        actorName: eventActor(event),
        sentence: eventSentence(event, definition, {
          person: () => undefined,
          attachment: (id) => attachments.find((file) => file.id === id)?.originalName,
        }),
      })),
      messages,
      canWrite: threadSide(visible) === 'organisation',
      messageErrors: messageErrors ?? {},
      messageDraft: messageValues?.body ?? '',
    });
  });

  const stepPage = async (req: Request, res: Response) => {
    const visible = await viewRequest(deps, req.user!, requestId(req));
    if (!visible.access.applicant) throw notFound();
    const { request, definition } = visible;
    if (!isEditable(request.state)) return res.redirect(`/demandes/${request.id}`);
    const steps = formSteps(definition);
    const index = steps.findIndex((step) => step.slug === req.params.step);
    if (index < 0) throw notFound();
    const step = steps[index]!;
    const kept = takeFormState(req);
    const values = { ...flatten(request.data), ...kept.values };
    const useCase = definition.useCases.find((u) => u.id === request.data.project?.useCase);
    // A use case pre-ticks its scopes until the applicant makes their own choice.
    const ticked = request.data.scopes ?? useCase?.scopes ?? [];
    const attachments = await listRequestAttachments(deps, req.user!, request.id);
    const kinds = attachments.map((file) => file.kind);
    const complete = completeBlocks(definition, request.data, kinds);
    // Reached from the summary's list of what is missing (`?verifier`): the step shows its fields' errors at once.
    const checked =
      step.block !== 'summary' && req.query.verifier !== undefined
        ? Object.fromEntries(
            blockErrors(definition, step.block, request.data, kinds).map((error) => [
              error.path,
              error.message,
            ]),
          )
        : {};
    const errors: Record<string, string> = { ...checked, ...kept.errors };
    const summaryErrors =
      step.block === 'summary'
        ? submissionErrors(definition, request.data, kinds).map((error) => {
            const at = stepOfPath(definition, error.path);
            return {
              ...error,
              place: fieldPlace(error.path),
              href: at
                ? `${stepPath(request.id, at)}?verifier#${fieldAnchor(definition, error.path)}`
                : undefined,
            };
          })
        : [];
    res.render('demande-etape', {
      title: `${step.label} — ${requestTitle(request.data)}`,
      request,
      definition,
      apiName: theApi(definition.name),
      step,
      is: { [step.block]: true },
      steps: steps.map((candidate, i) => ({
        ...candidate,
        current: i === index,
        number: i + 1,
        complete: candidate.block !== 'summary' && complete.includes(candidate.block),
      })),
      completeCount: complete.length,
      blockCount: steps.length - 1,
      stepNumber: index + 1,
      stepCount: steps.length,
      previous: steps[index - 1],
      next: steps[index + 1],
      values,
      errors,
      errorList: errorList(errors, (path) => `#${fieldAnchor(definition, path)}`),
      useCases: definition.useCases.map((u) => ({
        ...u,
        selected: u.id === (values['project.useCase'] ?? request.data.project?.useCase),
      })),
      scopeGroups: definition.scopeGroups.map((group) => ({
        ...group,
        scopes: group.scopes.map((scope) => ({ ...scope, checked: ticked.includes(scope.id) })),
      })),
      contacts: definition.contacts.map((role) => ({
        role,
        label: CONTACT_ROLE_LABELS[role],
        fields: CONTACT_FIELDS.map((field) => ({ ...field, name: `contacts.${role}.${field.name}` })),
      })),
      askDpo: definition.contacts.includes('dpo'),
      cguAccepted: request.data.terms?.cguAccepted === true,
      dpoInformed: request.data.terms?.dpoInformed === true,
      legalBasisAttachments: hasBlock(definition, 'legalBasis'),
      attachments: attachmentLabels(attachments),
      maxMegabytes: MAX_ATTACHMENT_BYTES / 1024 / 1024,
      sections:
        step.block === 'summary'
          ? readableForm(definition, request.data).map((section) => {
              const at = steps.find((candidate) => candidate.block === section.block);
              return { ...section, editHref: at && stepPath(request.id, at), stepLabel: at?.label };
            })
          : [],
      summaryErrors,
    });
  };

  router.get('/demandes/:id/formulaire/:step', requireSignedIn, async (req, res) => {
    await stepPage(req, res);
  });

  /**
   * Saves what can be saved of a step: a value of the wrong kind (« abc » months) is left out, the rest is kept
   * (spec §3: nothing is lost on a half-filled form), and the fields left out are answered with their messages.
   */
  const saveStep = async (
    actor: NonNullable<Request['user']>,
    id: string,
    patch: Record<string, unknown>,
    before: VisibleRequest,
  ): Promise<{ saved: VisibleRequest; unsaved: Record<string, string> }> => {
    try {
      return { saved: await updateDraft(deps, actor, id, patch), unsaved: {} };
    } catch (error) {
      const unsaved = fieldErrorsOf(error);
      if (!unsaved) throw error;
      try {
        return {
          saved: await updateDraft(deps, actor, id, withoutPaths(patch, Object.keys(unsaved))),
          unsaved,
        };
      } catch (again) {
        if (fieldErrorsOf(again)) return { saved: before, unsaved };
        throw again;
      }
    }
  };

  /**
   * A step is saved as typed (spec §3: drafts save as the applicant goes), then checked by the submission's rule
   * restricted to its block when the applicant leaves it forwards. A value of the wrong kind (« abc » months) cannot
   * be saved: the rest of the step is, and the value is shown back on its field.
   */
  router.post('/demandes/:id/formulaire/:step', requireSignedIn, async (req, res) => {
    const id = requestId(req);
    const visible = await viewRequest(deps, req.user!, id);
    const { definition } = visible;
    const steps = formSteps(definition);
    const index = steps.findIndex((step) => step.slug === req.params.step);
    const step = steps[index];
    if (!step || step.block === 'summary') throw notFound();
    const block: FormBlock = step.block;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const patch = stepPatch(definition, block, body);
    const { saved, unsaved } = await saveStep(req.user!, id, patch, visible);
    // Saved while typing by /static/request-autosave.js: an answer without a page, saying what could not be kept.
    if (req.get('x-autosave') === '1')
      return Object.keys(unsaved).length > 0 ? res.json({ unsaved }) : res.status(204).end();

    const back = stepPath(id, step);
    const action = body.action;
    const leavingForward = action !== 'previous' && action !== 'stay';
    // A value that could not be saved is mended first: the step's completeness is judged on what it saves.
    const checkStep = leavingForward && Object.keys(unsaved).length === 0;
    const attachments = checkStep ? await listRequestAttachments(deps, req.user!, id) : [];
    const errors = checkStep
      ? Object.fromEntries(
          blockErrors(
            definition,
            block,
            saved.request.data,
            attachments.map((file) => file.kind),
          ).map((error) => [error.path, error.message]),
        )
      : unsaved;
    if (Object.keys(errors).length > 0) {
      // What was typed in a refused field comes back as typed; the rest is read from the saved draft.
      const typed = Object.fromEntries(
        Object.keys(unsaved).flatMap((path) => (typeof body[path] === 'string' ? [[path, body[path]]] : [])),
      );
      keepFormState(req, back, errors, typed);
      return res.redirect(303, back);
    }
    const target = action === 'previous' ? steps[index - 1] : action === 'stay' ? step : steps[index + 1];
    if (action === 'stay') flash(req, 'success', 'Vos réponses sont enregistrées.');
    res.redirect(303, stepPath(id, target ?? SUMMARY_STEP));
  });

  router.post(
    '/demandes/:id/soumettre',
    requireSignedIn,
    formAction(
      async (req) => {
        const id = requestId(req);
        const { definition } = await viewRequest(deps, req.user!, id);
        try {
          await runCommand(deps, req.user!, id, 'submit', {});
        } catch (error) {
          if (error instanceof AppError && error.problem.kind === 'ValidationFailed')
            return {
              redirect: `/demandes/${id}/formulaire/${SUMMARY_STEP.slug}`,
              flash: {
                type: 'warning',
                message: 'La demande est incomplète : complétez les champs signalés avant de la soumettre.',
              },
            };
          throw error;
        }
        const median = await medianDecision(definition.slug);
        return {
          redirect: `/demandes/${id}`,
          flash: {
            type: 'success',
            message: `Votre demande a été soumise. L’équipe d’instruction va l’examiner${
              median
                ? ` : ces trois derniers mois, la moitié des décisions ont été rendues en ${median} ou moins`
                : ''
            }. Vous serez informé·e par courriel de chaque étape.`,
          },
        };
      },
      { back: (req) => `/demandes/${requestId(req)}` },
    ),
  );

  router.get('/demandes/:id/archiver', requireSignedIn, async (req, res) => {
    const visible = await viewRequest(deps, req.user!, requestId(req));
    if (!visible.access.applicant) throw notFound();
    const { request } = visible;
    if (!commandsFor(visible.access, visible.position).includes('archive'))
      return res.redirect(`/demandes/${request.id}`);
    renderConfirmation(res, {
      title: 'Archiver la demande',
      heading: `Archiver la demande « ${requestTitle(request.data)} » ?`,
      consequences: visible.position.reopened
        ? [
            'La mise à jour en cours est abandonnée : l’habilitation en vigueur est maintenue telle qu’elle a été accordée.',
          ]
        : [
            'La demande ne pourra plus être modifiée ni soumise. Pour demander de nouveau l’accès, vous pourrez repartir d’une copie de cette demande.',
          ],
      action: `/demandes/${request.id}/archiver`,
      confirmLabel: 'Archiver la demande',
      confirmIcon: 'fr-icon-archive-line',
      cancelHref: `/demandes/${request.id}`,
    });
  });

  const COMMAND_MESSAGES: Record<string, { command: RequestCommand; message: string }> = {
    archiver: { command: 'archive', message: 'La demande a été archivée.' },
    'mettre-a-jour': {
      command: 'reopen',
      message:
        'Une nouvelle version de la demande est ouverte ; votre habilitation reste active jusqu’à la décision.',
    },
  };

  for (const [path, action] of Object.entries(COMMAND_MESSAGES)) {
    router.post(
      `/demandes/:id/${path}`,
      requireSignedIn,
      formAction(
        async (req) => {
          const id = requestId(req);
          await runCommand(deps, req.user!, id, action.command, {});
          return { redirect: `/demandes/${id}`, flash: { type: 'success', message: action.message } };
        },
        { back: (req) => `/demandes/${requestId(req)}` },
      ),
    );
  }

  router.post(
    '/demandes/:id/copier',
    requireSignedIn,
    formAction(
      async (req) => {
        const copy = await copyRequest(deps, req.user!, requestId(req));
        const definition = deps.definitions.find(copy.definition)!;
        const attachments = await listRequestAttachments(deps, req.user!, copy.id);
        const start = resumeStep(
          definition,
          completeBlocks(
            definition,
            copy.data,
            attachments.map((file) => file.kind),
          ),
        );
        return {
          redirect: stepPath(copy.id, start),
          flash: {
            type: 'success',
            message:
              'Une nouvelle demande a été créée à partir de la précédente : ses réponses sont reprises, sauf les engagements et les documents joints. Vérifiez-les avant de la soumettre.',
          },
        };
      },
      { back: (req) => `/demandes/${requestId(req)}` },
    ),
  );

  router.post(
    '/demandes/:id/messages',
    requireSignedIn,
    formAction(
      async (req) => {
        const id = requestId(req);
        const posted = await postMessage(deps, req.user!, id, { body: req.body?.body ?? '' });
        return {
          redirect: `/demandes/${id}#messages`,
          flash: {
            type: 'success',
            message: posted.waitsForSubmission
              ? 'Votre message est enregistré dans le fil de la demande. L’équipe d’instruction le lira une fois la demande soumise.'
              : 'Votre message a été envoyé à l’équipe d’instruction.',
          },
        };
      },
      { back: (req) => `/demandes/${requestId(req)}`, fields: ['body'] },
    ),
  );

  // The step's page has one upload form per kind of document: a refused file is told in a flash.
  const attachmentStep = (req: Request) =>
    `/demandes/${requestId(req)}/formulaire/${String(req.query.etape ?? 'cadre-juridique').replace(/[^a-z-]/g, '')}`;
  router.post(
    '/demandes/:id/pieces-jointes',
    requireSignedIn,
    formAction(
      async (req) => {
        if (!req.upload)
          throw new AppError({
            kind: 'ValidationFailed',
            errors: [{ path: 'file', message: 'Joignez un fichier PDF.' }],
          });
        if ('error' in req.upload) throw req.upload.error;
        await addAttachment(deps, req.user!, requestId(req), { kind: req.body?.kind ?? '' }, req.upload.file);
        return {
          redirect: attachmentStep(req),
          flash: { type: 'success', message: 'Le document a été ajouté.' },
        };
      },
      { back: attachmentStep, fieldErrors: 'flash' },
    ),
  );

  router.post('/demandes/:id/pieces-jointes/:attachmentId/supprimer', requireSignedIn, async (req, res) => {
    const id = requestId(req);
    const attachmentId = idParam(req, 'attachmentId');
    await removeAttachment(deps, req.user!, id, attachmentId);
    flash(req, 'success', 'Le document a été retiré.');
    res.redirect(
      303,
      `/demandes/${id}/formulaire/${String(req.body?.etape ?? 'cadre-juridique').replace(/[^a-z-]/g, '')}`,
    );
  });

  return router;
}

/** The patch without the fields that could not be saved (`personalData.retentionMonths`). */
function withoutPaths(patch: Record<string, unknown>, paths: string[]): Record<string, unknown> {
  const copy = structuredClone(patch);
  for (const path of paths) {
    const keys = path.split('.');
    let at: unknown = copy;
    for (const key of keys.slice(0, -1))
      at = at !== null && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined;
    if (at !== null && typeof at === 'object') delete (at as Record<string, unknown>)[keys.at(-1)!];
  }
  return copy;
}

declare module 'express-serve-static-core' {
  interface Request {
    /** The file of a multipart page form, read before the CSRF check (see requestUploadParser). */
    upload?: { file: UploadedFile | undefined } | { error: unknown };
  }
}

/**
 * Multipart forms carry their CSRF token inside the multipart body, so it is read before the CSRF check; the
 * file (at most 10 MB, in memory) is checked afterwards by the page, which also reports a refused upload.
 */
export function requestUploadParser() {
  return async (req: Request, res: Response, next: (error?: unknown) => void) => {
    if (!req.is('multipart/form-data')) return next();
    try {
      req.upload = { file: await receiveFile(req, res, { field: 'file', maxBytes: MAX_ATTACHMENT_BYTES }) };
    } catch (error) {
      req.upload = { error };
    }
    next();
  };
}
