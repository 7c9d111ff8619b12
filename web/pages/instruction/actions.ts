import { Router, type Request } from 'express';
import type { AppDeps } from '../../../app/deps.ts';
import { addNote, askOpinion, assignToMe, giveOpinion, postMessage } from '../../../app/instruction.ts';
import { runCommand, viewRequest } from '../../../app/requests.ts';
import { canonicalId } from '../../../domain/identifiers.ts';
import type { RequestCommand } from '../../../domain/request-states.ts';
import { formAction, type FormOutcome } from '../../form-actions.ts';
import { requireSignedIn } from '../../page-context.ts';
import { checkedValues, idParam } from '../../path-params.ts';
import { instructionRequestPath, type InstructionForm } from '../../presenters/instruction-request.ts';

/**
 * The forms of the instruction page. Each answers with a 303: back to the page with a confirmation, or back to
 * the form (its anchor) with the refused fields marked, so that a refresh never sends a decision twice.
 */
export function instructionActions(deps: AppDeps): Router {
  const router = Router();

  const body = (req: Request) => (req.body ?? {}) as Record<string, unknown>;
  const done = (req: Request, message: string): FormOutcome => ({
    redirect: instructionRequestPath(idParam(req, 'id')),
    flash: { type: 'success', message },
  });
  /** A form of the page: its address, its name, its anchor on the page and the fields shown back if refused. */
  const post = (
    path: string,
    form: InstructionForm | undefined,
    anchor: string | ((req: Request) => string),
    fields: string[],
    handler: (req: Request, id: string) => Promise<FormOutcome>,
  ) =>
    router.post(
      `/instruction/demandes/:id/${path}`,
      requireSignedIn,
      formAction((req) => handler(req, idParam(req, 'id')), {
        back: (req) =>
          `${instructionRequestPath(idParam(req, 'id'))}#${typeof anchor === 'string' ? anchor : anchor(req)}`,
        form,
        fields,
      }),
    );

  const decide = (command: RequestCommand, input: Record<string, unknown>, req: Request, id: string) =>
    runCommand(deps, req.user!, id, command, input);

  post('valider', 'approve', 'decision-valider', ['scopes'], async (req, id) => {
    // Where the form showed the scopes, what is ticked is what is granted, even nothing (app/ refuses that).
    const input = body(req).grantChosen !== undefined ? { scopes: checkedValues(req.body, 'scopes') } : {};
    await decide('approve', input, req, id);
    return done(
      req,
      'La demande est validée : l’habilitation est en cours de création et l’organisation en est informée par courriel.',
    );
  });

  post('demander-modifications', 'requestChanges', 'decision-modifications', ['reason'], async (req, id) => {
    await decide('request_changes', { reason: body(req).reason }, req, id);
    return done(
      req,
      'Les modifications sont demandées. L’organisation en est informée par courriel, avec le motif.',
    );
  });

  post('refuser', 'refuse', 'decision-refus', ['reason'], async (req, id) => {
    await decide('refuse', { reason: body(req).reason }, req, id);
    return done(req, 'La demande est refusée. L’organisation en est informée par courriel, avec le motif.');
  });

  post('debloquer', undefined, 'decision', [], async (req, id) => {
    await decide('resolve', {}, req, id);
    const outcome = done(req, 'Le blocage est levé : la demande est de nouveau à instruire.');
    // Once unblocked, the request leaves support's hands: back to its page only if it is still theirs to see.
    const visible = await viewRequest(deps, req.user!, id).then(
      () => true,
      () => false,
    );
    return visible ? outcome : { ...outcome, redirect: '/tableau-de-bord' };
  });

  post('messages', 'message', 'form-message', ['body'], async (req, id) => {
    await postMessage(deps, req.user!, id, { body: body(req).body });
    return done(req, 'Votre message est envoyé à l’organisation, qui en est informée par courriel.');
  });

  post('notes', 'note', 'form-note', ['body'], async (req, id) => {
    await addNote(deps, req.user!, id, { body: body(req).body });
    return done(req, 'La note interne est enregistrée. Elle n’est jamais montrée à l’organisation.');
  });

  post('attribution', undefined, 'attribution', [], async (req, id) => {
    const value = body(req).assign;
    const assign = value === 'false' ? false : value === 'true' ? true : value;
    const { assigneeId } = await assignToMe(deps, req.user!, id, { assign });
    return done(
      req,
      assigneeId ? 'La demande vous est attribuée.' : 'La demande ne vous est plus attribuée.',
    );
  });

  post('avis', 'opinion', 'form-avis', ['reporterId', 'question'], async (req, id) => {
    await askOpinion(deps, req.user!, id, { reporterId: body(req).reporterId, question: body(req).question });
    return done(req, 'La demande d’avis est envoyée ; la personne sollicitée en est informée par courriel.');
  });

  post(
    'avis/reponse',
    'answer',
    (req) => `avis-${canonicalId(String(body(req).opinionId)) ?? ''}`.replace(/-$/, ''),
    ['opinionId', 'answer'],
    async (req, id) => {
      await giveOpinion(deps, req.user!, id, { opinionId: body(req).opinionId, answer: body(req).answer });
      return done(req, 'Votre avis est enregistré ; l’équipe d’instruction le voit sur cette page.');
    },
  );

  return router;
}
