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
import { commandsFor } from '../../app/request-access.ts';
import { createRequest, listMyRequests, runCommand, updateDraft, viewRequest } from '../../app/requests.ts';
import { CREDENTIAL_TYPE_LABELS, hasBlock } from '../../domain/definitions.ts';
import { AppError, notFound } from '../../domain/errors.ts';
import { submissionErrors } from '../../domain/request-form.ts';
import { isEditable, REQUEST_COMMAND_LABELS, type RequestCommand } from '../../domain/request-states.ts';
import { flash } from '../flash.ts';
import { fieldErrorsOf } from '../forms.ts';
import { idParam } from '../path-params.ts';
import { requireSignedIn } from '../page-context.ts';
import { eventActor, eventSentence } from '../request-events.ts';
import { readableForm } from '../presenters/readable-form.ts';
import { requestStateBadge } from '../presenters/request-state.ts';
import {
  CONTACT_FIELDS,
  CONTACT_ROLE_LABELS,
  formSteps,
  stepOfPath,
  stepPatch,
  SUMMARY_STEP,
} from '../request-form-steps.ts';
import { requestTitle } from '../../domain/request-form.ts';
import { mayWriteRequests } from '../../domain/organisation-roles.ts';
import { formatElapsed } from '../../domain/french-format.ts';

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

const PAGE_COMMANDS: Partial<Record<RequestCommand, string>> = {
  submit: 'soumettre',
  archive: 'archiver',
  reopen: 'mettre-a-jour',
};

export function requestPages(deps: AppDeps): Router {
  const router = Router();

  router.get('/demandes', requireSignedIn, async (req, res) => {
    const requests = await listMyRequests(deps, req.user!);
    res.render('demandes', {
      title: 'Mes demandes',
      activeNav: 'demandes',
      requests: requests.map((request) => ({
        ...request,
        title: requestTitle(request.data),
        definitionName: deps.definitions.find(request.definition)?.name ?? request.definition,
        state: requestStateBadge(request.state),
      })),
    });
  });

  const newRequestPage = async (req: Request, extra: Record<string, unknown> = {}) => {
    const [{ memberships }, medians] = await Promise.all([
      listMyOrganisations(deps, req.user!),
      deps.statistics.medianDecisionTimes(),
    ]);
    const organisations = memberships
      .filter((m) => m.status === 'active' && mayWriteRequests(m.roles))
      .map((m) => ({ ...m.organisation, current: m.current }));
    return {
      title: 'Nouvelle demande d’accès',
      activeNav: 'demandes',
      definitions: deps.definitions.list().map((definition) => ({
        ...definition,
        credentialLabel: definition.credentialTypes.map((type) => CREDENTIAL_TYPE_LABELS[type]).join(' et '),
        selected: definition.slug === req.query.api,
        medianDecision: medians.has(definition.slug)
          ? formatElapsed(medians.get(definition.slug)!)
          : undefined,
      })),
      organisations,
      ...extra,
    };
  };

  router.get('/demandes/nouvelle', requireSignedIn, async (req, res) => {
    res.render('demande-nouvelle', await newRequestPage(req));
  });

  router.post('/demandes/nouvelle', requireSignedIn, async (req, res) => {
    try {
      const request = await createRequest(deps, req.user!, {
        definition: req.body?.definition ?? '',
        siret: req.body?.siret ?? '',
      });
      res.redirect(
        `/demandes/${request.id}/formulaire/${formSteps(deps.definitions.find(request.definition)!)[0]!.slug}`,
      );
    } catch (error) {
      const errors = fieldErrorsOf(error);
      if (!errors) throw error;
      res.status(422).render('demande-nouvelle', await newRequestPage(req, { errors }));
    }
  });

  const overview = async (req: Request, res: Response, status = 200, extra: Record<string, unknown> = {}) => {
    const { visible, attachments, events, messages } = await viewForOrganisation(
      deps,
      req.user!,
      requestId(req),
    );
    // Instructors and reporters work from the instruction page.
    if (!visible.access.member) return res.redirect(`/instruction/demandes/${visible.request.id}`);
    const { request, definition } = visible;
    const commands = commandsFor(visible.access, visible.position);
    res.status(status).render('demande', {
      title: requestTitle(request.data),
      activeNav: 'demandes',
      request,
      definition,
      state: requestStateBadge(request.state),
      reopened: visible.position.reopened,
      editable: visible.access.applicant && isEditable(request.state),
      firstStep: formSteps(definition)[0]!.slug,
      sections: readableForm(definition, request.data),
      attachments: attachments.map((file) => ({
        ...file,
        kindLabel: ATTACHMENT_KIND_LABELS[file.kind as keyof typeof ATTACHMENT_KIND_LABELS] ?? file.kind,
      })),
      actions: commands
        .filter((command) => command !== 'submit' && PAGE_COMMANDS[command])
        .map((command) => ({
          path: PAGE_COMMANDS[command],
          label: REQUEST_COMMAND_LABELS[command],
          secondary: command === 'archive',
        })),
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
      ...extra,
    });
  };

  router.get('/demandes/:id', requireSignedIn, async (req, res) => {
    await overview(req, res);
  });

  const stepPage = async (req: Request, res: Response, status = 200, extra: Record<string, unknown> = {}) => {
    const visible = await viewRequest(deps, req.user!, requestId(req));
    if (!visible.access.applicant) throw notFound();
    const { request, definition } = visible;
    if (!isEditable(request.state)) return res.redirect(`/demandes/${request.id}`);
    const steps = formSteps(definition);
    const index = steps.findIndex((step) => step.slug === req.params.step);
    if (index < 0) throw notFound();
    const step = steps[index]!;
    const values = flatten(request.data);
    const useCase = definition.useCases.find((u) => u.id === request.data.project?.useCase);
    // A use case pre-ticks its scopes until the applicant makes their own choice.
    const ticked = request.data.scopes ?? useCase?.scopes ?? [];
    const attachments = await listRequestAttachments(deps, req.user!, request.id);
    const summaryErrors =
      step.block === 'summary'
        ? submissionErrors(
            definition,
            request.data,
            attachments.map((file) => file.kind),
          ).map((error) => ({
            ...error,
            step: stepOfPath(definition, error.path),
          }))
        : [];
    res.status(status).render('demande-etape', {
      title: `${step.label} — ${requestTitle(request.data)}`,
      activeNav: 'demandes',
      request,
      definition,
      step,
      is: { [step.block]: true },
      steps: steps.map((candidate, i) => ({ ...candidate, current: i === index, number: i + 1 })),
      stepNumber: index + 1,
      stepCount: steps.length,
      previous: steps[index - 1],
      next: steps[index + 1],
      values,
      errors: {},
      useCases: definition.useCases.map((u) => ({ ...u, selected: u.id === request.data.project?.useCase })),
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
      attachments: attachments.map((file) => ({
        ...file,
        kindLabel: ATTACHMENT_KIND_LABELS[file.kind as keyof typeof ATTACHMENT_KIND_LABELS] ?? file.kind,
      })),
      maxMegabytes: MAX_ATTACHMENT_BYTES / 1024 / 1024,
      sections: step.block === 'summary' ? readableForm(definition, request.data) : [],
      summaryErrors,
      ...extra,
    });
  };

  router.get('/demandes/:id/formulaire/:step', requireSignedIn, async (req, res) => {
    await stepPage(req, res);
  });

  router.post('/demandes/:id/formulaire/:step', requireSignedIn, async (req, res) => {
    const id = requestId(req);
    const visible = await viewRequest(deps, req.user!, id);
    const steps = formSteps(visible.definition);
    const index = steps.findIndex((step) => step.slug === req.params.step);
    const step = steps[index];
    if (!step || step.block === 'summary') throw notFound();
    // Saved while typing by /static/request-autosave.js: an answer without a page.
    const autosave = req.get('x-autosave') === '1';
    try {
      await updateDraft(deps, req.user!, id, stepPatch(visible.definition, step.block, req.body ?? {}));
    } catch (error) {
      const errors = fieldErrorsOf(error);
      if (!errors) throw error;
      if (autosave) return res.status(422).json({ errors });
      return stepPage(req, res, 422, { errors, values: req.body, errorCount: Object.keys(errors).length });
    }
    if (autosave) return res.status(204).end();
    const target =
      req.body?.action === 'previous'
        ? steps[index - 1]
        : req.body?.action === 'stay'
          ? step
          : steps[index + 1];
    res.redirect(`/demandes/${id}/formulaire/${(target ?? SUMMARY_STEP).slug}`);
  });

  router.post('/demandes/:id/soumettre', requireSignedIn, async (req, res) => {
    const id = requestId(req);
    try {
      await runCommand(deps, req.user!, id, 'submit', {});
    } catch (error) {
      if (error instanceof AppError && error.problem.kind === 'ValidationFailed') {
        flash(
          req,
          'error',
          'La demande est incomplète : complétez les champs signalés avant de la soumettre.',
        );
        return res.redirect(`/demandes/${id}/formulaire/${SUMMARY_STEP.slug}`);
      }
      throw error;
    }
    flash(
      req,
      'success',
      'Votre demande a été transmise. Vous serez informé·e par courriel de chaque étape.',
    );
    res.redirect(`/demandes/${id}`);
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
    router.post(`/demandes/:id/${path}`, requireSignedIn, async (req, res) => {
      const id = requestId(req);
      await runCommand(deps, req.user!, id, action.command, {});
      flash(req, 'success', action.message);
      res.redirect(`/demandes/${id}`);
    });
  }

  router.post('/demandes/:id/messages', requireSignedIn, async (req, res) => {
    const id = requestId(req);
    let posted: Awaited<ReturnType<typeof postMessage>>;
    try {
      posted = await postMessage(deps, req.user!, id, { body: req.body?.body ?? '' });
    } catch (error) {
      const errors = fieldErrorsOf(error);
      if (!errors) throw error;
      return overview(req, res, 422, { messageErrors: errors, messageDraft: req.body?.body ?? '' });
    }
    flash(
      req,
      'success',
      posted.waitsForSubmission
        ? 'Votre message est enregistré dans le fil de la demande. L’équipe d’instruction le lira une fois la demande déposée.'
        : 'Votre message a été envoyé à l’équipe d’instruction.',
    );
    res.redirect(`/demandes/${id}#messages`);
  });

  router.post('/demandes/:id/pieces-jointes', requireSignedIn, async (req, res) => {
    const id = requestId(req);
    const back = `/demandes/${id}/formulaire/${String(req.query.etape ?? 'cadre-juridique').replace(/[^a-z-]/g, '')}`;
    try {
      if (!req.upload)
        throw new AppError({
          kind: 'ValidationFailed',
          errors: [{ path: 'file', message: 'Joignez un fichier PDF.' }],
        });
      if ('error' in req.upload) throw req.upload.error;
      await addAttachment(deps, req.user!, id, { kind: req.body?.kind ?? '' }, req.upload.file);
    } catch (error) {
      const errors = fieldErrorsOf(error);
      if (!errors) throw error;
      flash(req, 'error', Object.values(errors).join(' '));
      return res.redirect(back);
    }
    flash(req, 'success', 'Le document a été ajouté.');
    res.redirect(back);
  });

  router.post('/demandes/:id/pieces-jointes/:attachmentId/supprimer', requireSignedIn, async (req, res) => {
    const id = requestId(req);
    const attachmentId = idParam(req, 'attachmentId');
    await removeAttachment(deps, req.user!, id, attachmentId);
    flash(req, 'success', 'Le document a été retiré.');
    res.redirect(
      `/demandes/${id}/formulaire/${String(req.body?.etape ?? 'cadre-juridique').replace(/[^a-z-]/g, '')}`,
    );
  });

  return router;
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
