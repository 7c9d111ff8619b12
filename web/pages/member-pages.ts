import { Router, type Request } from 'express';
import type { AppDeps } from '../../app/deps.ts';
import { changeMemberRoles, handOverMainManager, listMembers, removeMember } from '../../app/members.ts';
import { AppError } from '../../domain/errors.ts';
import {
  JOINED_VIA_LABELS,
  MEMBERSHIP_STATUS_LABELS,
  ORGANISATION_ROLE_LABELS,
} from '../../domain/organisation-roles.ts';
import { GRANTABLE_ROLES, isMainManager } from '../../domain/role-rules.ts';
import { flash } from '../flash.ts';
import { fieldErrorsOf } from '../forms.ts';
import { requireSignedIn } from '../page-context.ts';
import { checkedValues, idParam, siretParam } from '../path-params.ts';
import { ROLE_HINTS } from './invitation-pages.ts';

const membersPath = (siret: string) => `/organisations/${siret}/membres`;

/**
 * Runs a member action and tells the outcome on the next page: a refusal the person can understand (a bad
 * role choice, the main manager's role that must be handed over) becomes an error message; anything else
 * goes on to the error pages.
 */
async function withOutcome(req: Request, success: string, work: () => Promise<unknown>): Promise<boolean> {
  try {
    await work();
    flash(req, 'success', success);
    return true;
  } catch (error) {
    const errors = fieldErrorsOf(error);
    if (errors) flash(req, 'error', Object.values(errors).join(' '));
    else if (error instanceof AppError && error.problem.kind === 'Conflict')
      flash(req, 'error', error.problem.message);
    else throw error;
    return false;
  }
}

export function memberPages(deps: AppDeps): Router {
  const router = Router();

  router.get('/organisations/:siret/membres', requireSignedIn, async (req, res) => {
    const { organisation, members, viewerIsMainManager } = await listMembers(
      deps,
      req.user!,
      siretParam(req),
    );
    const active = members.filter((member) => member.status === 'active');
    res.render('membres', {
      title: 'Membres',
      organisation,
      viewerIsMainManager,
      members: members.map((member) => ({
        ...member,
        self: member.userId === req.user!.id,
        active: member.status === 'active',
        mainManager: isMainManager(member.roles),
        rolesLabel: member.roles.map((role) => ORGANISATION_ROLE_LABELS[role]).join(', '),
        statusLabel: MEMBERSHIP_STATUS_LABELS[member.status],
        joinedViaLabel: JOINED_VIA_LABELS[member.joinedVia],
        roleChoices: GRANTABLE_ROLES.map((role) => ({
          value: role,
          label: ORGANISATION_ROLE_LABELS[role],
          hint: ROLE_HINTS[role],
          checked: member.roles.includes(role),
        })),
      })),
      successors: active.filter((member) => member.userId !== req.user!.id),
    });
  });

  router.post('/organisations/:siret/membres/:userId/roles', requireSignedIn, async (req, res) => {
    const siret = siretParam(req);
    const userId = idParam(req, 'userId');
    await withOutcome(req, 'Les rôles sont enregistrés ; ils s’appliquent dès maintenant.', () =>
      changeMemberRoles(deps, req.user!, siret, userId, { roles: checkedValues(req.body, 'roles') }),
    );
    res.redirect(membersPath(siret));
  });

  router.post('/organisations/:siret/membres/:userId/retirer', requireSignedIn, async (req, res) => {
    const siret = siretParam(req);
    const userId = idParam(req, 'userId');
    const leaving = userId === req.user!.id;
    const done = await withOutcome(
      req,
      leaving ? 'Vous avez quitté l’organisation.' : 'Le membre a été retiré de l’organisation.',
      () => removeMember(deps, req.user!, siret, userId),
    );
    res.redirect(done && leaving ? '/tableau-de-bord' : membersPath(siret));
  });

  router.post('/organisations/:siret/gestionnaire-principal', requireSignedIn, async (req, res) => {
    const siret = siretParam(req);
    await withOutcome(
      req,
      'Le rôle de gestionnaire principal a été transmis. Vous restez administrateur.',
      () => handOverMainManager(deps, req.user!, siret, { userId: req.body?.userId }),
    );
    res.redirect(membersPath(siret));
  });

  router.post('/organisations/:siret/quitter', requireSignedIn, async (req, res) => {
    const siret = siretParam(req);
    const left = await withOutcome(req, 'Vous avez quitté l’organisation.', () =>
      removeMember(deps, req.user!, siret, req.user!.id),
    );
    res.redirect(left ? '/tableau-de-bord' : `/organisations/${siret}`);
  });

  return router;
}
