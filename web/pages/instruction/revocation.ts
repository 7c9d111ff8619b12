import { Router } from 'express';
import type { AppDeps } from '../../../app/deps.ts';
import { commandsFor } from '../../../app/request-access.ts';
import { runCommand, viewRequest } from '../../../app/requests.ts';
import { theApi } from '../../../domain/api-name.ts';
import { notFound } from '../../../domain/errors.ts';
import { requestTitle } from '../../../domain/request-form.ts';
import { REQUEST_STATE_LABELS } from '../../../domain/request-states.ts';
import { renderConfirmation } from '../../confirmation.ts';
import { flash } from '../../flash.ts';
import { formAction, takeFormState } from '../../form-actions.ts';
import { requireSignedIn } from '../../page-context.ts';
import { idParam } from '../../path-params.ts';
import { instructionRequestPath } from '../../presenters/instruction-request.ts';

/**
 * Revoking a habilitation (spec §7b: an irreversible action asks for confirmation): the request page links to a
 * confirmation page that says what stops, where the instructor writes the reason sent to the organisation. To the
 * rest of the instruction side (reporters, support), as to anyone else, the page does not exist.
 */
export function revocationPages(deps: AppDeps): Router {
  const router = Router();
  const confirmationPath = (id: string) => `${instructionRequestPath(id)}/revoquer`;

  router.get('/instruction/demandes/:id/revoquer', requireSignedIn, async (req, res) => {
    const id = idParam(req, 'id');
    const refused = takeFormState(req);
    const visible = await viewRequest(deps, req.user!, id);
    // Only those who may revoke reach this page; the rest of the instruction side is sent back to the request.
    if (!visible.access.instructor) throw notFound();
    if (!commandsFor(visible.access, visible.position).includes('revoke')) {
      const state = REQUEST_STATE_LABELS[visible.position.state];
      flash(req, 'error', `L’habilitation ne peut pas être révoquée : la demande est à l’état « ${state} ».`);
      return res.redirect(303, instructionRequestPath(id));
    }
    const { request, definition } = visible;
    renderConfirmation(res, {
      title: 'Révoquer l’habilitation',
      heading: `Révoquer l’habilitation « ${requestTitle(request.data)} » ?`,
      consequences: [
        `${request.organisation.name} perd immédiatement son accès à ${theApi(definition.name)} : les jetons et comptes techniques délivrés pour cette habilitation cessent de fonctionner.`,
        'L’organisation en est informée par courriel, avec le motif ci-dessous. Pour retrouver cet accès, elle devra faire une nouvelle demande.',
      ],
      action: confirmationPath(id),
      confirmLabel: 'Révoquer l’habilitation',
      confirmIcon: 'fr-icon-close-circle-line',
      cancelHref: `${instructionRequestPath(id)}#decision`,
      textField: {
        id: 'motif-revocation',
        name: 'reason',
        label: 'Motif de la révocation (obligatoire)',
        hint: 'Envoyé à l’organisation par courriel.',
        value: refused.values?.reason,
        error: refused.errors?.reason,
      },
    });
  });

  router.post(
    '/instruction/demandes/:id/revoquer',
    requireSignedIn,
    formAction(
      async (req) => {
        const id = idParam(req, 'id');
        await runCommand(deps, req.user!, id, 'revoke', {
          reason: (req.body as Record<string, unknown> | undefined)?.reason,
        });
        return {
          redirect: instructionRequestPath(id),
          flash: {
            type: 'success',
            message:
              'L’habilitation est révoquée. L’organisation en est informée par courriel, avec le motif.',
          },
        };
      },
      { back: (req) => confirmationPath(idParam(req, 'id')), fields: ['reason'], form: 'revoke' },
    ),
  );

  return router;
}
