import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../../app/deps.ts';
import { viewOrganisation } from '../../app/organisations.ts';
import { changeMemberRoles, handOverMainManager, listMembers, removeMember } from '../../app/members.ts';
import { notFound } from '../../domain/errors.ts';
import {
  JOINED_VIA_LABELS,
  MEMBERSHIP_STATUS_LABELS,
  ORGANISATION_ROLE_LABELS,
  type OrganisationRole,
} from '../../domain/organisation-roles.ts';
import { GRANTABLE_ROLES, MAIN_MANAGER, isMainManager } from '../../domain/role-rules.ts';
import { renderConfirmation } from '../confirmation.ts';
import { flash } from '../flash.ts';
import { formAction } from '../form-actions.ts';
import { requireSignedIn } from '../page-context.ts';
import { checkedValues, idParam, siretParam } from '../path-params.ts';

const membersPath = (siret: string) => `/organisations/${siret}/membres`;

/** Roles the main manager's role includes: their boxes show ticked, as what the person can do. */
const INCLUDED_IN_MAIN_MANAGER: readonly OrganisationRole[] = ['administrateur', 'demandeur'];

/**
 * The role boxes of a member. The main manager's are all shown ticked for what the role includes, and cannot
 * be changed here: the role itself is handed over (the form below the table), never ticked off.
 */
function roleChoices(roles: readonly OrganisationRole[]) {
  if (!isMainManager(roles))
    return GRANTABLE_ROLES.map((role) => ({
      value: role,
      label: ORGANISATION_ROLE_LABELS[role],
      checked: roles.includes(role),
    }));
  return [
    { value: MAIN_MANAGER, label: ORGANISATION_ROLE_LABELS[MAIN_MANAGER], checked: true, disabled: true },
    ...GRANTABLE_ROLES.map((role) => ({
      value: role,
      label: ORGANISATION_ROLE_LABELS[role],
      checked: roles.includes(role) || INCLUDED_IN_MAIN_MANAGER.includes(role),
      disabled: true,
    })),
  ];
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
        roleChoices: roleChoices(member.roles),
      })),
      successors: active.filter((member) => member.userId !== req.user!.id),
    });
  });

  router.post(
    '/organisations/:siret/membres/:userId/roles',
    requireSignedIn,
    formAction(
      async (req) => {
        const siret = siretParam(req);
        await changeMemberRoles(deps, req.user!, siret, idParam(req, 'userId'), {
          roles: checkedValues(req.body, 'roles'),
        });
        return {
          redirect: membersPath(siret),
          flash: {
            type: 'success',
            message: 'Les rôles sont enregistrés ; ils s’appliquent dès maintenant.',
          },
        };
      },
      // A refused choice is told in a flash on the list: the table has one form per member.
      { back: (req) => membersPath(siretParam(req)), fieldErrors: 'flash' },
    ),
  );

  /** What removing a member does, asked before it is done. */
  async function confirmRemoval(req: Request, res: Response, userId: string) {
    const siret = siretParam(req);
    const { organisation, members } = await listMembers(deps, req.user!, siret);
    const member = members.find((candidate) => candidate.userId === userId && candidate.status === 'active');
    if (!member) throw notFound();
    const name = `${member.givenName} ${member.familyName}`;
    if (isMainManager(member.roles)) {
      flash(
        req,
        'error',
        'Le gestionnaire principal ne peut pas être retiré : ce rôle doit d’abord être transmis à un autre membre.',
      );
      return res.redirect(303, membersPath(siret));
    }
    renderConfirmation(res, {
      title: 'Retirer un membre',
      heading: `Retirer ${name} de ${organisation.name} ?`,
      consequences: [
        `${name} (${member.email}) perdra aussitôt ses rôles et l’accès aux demandes, aux habilitations et aux jetons de l’organisation.`,
        'Pour revenir, il lui faudra un nouveau code d’invitation ou l’accord du support.',
      ],
      action: `${membersPath(siret)}/${userId}/retirer`,
      confirmLabel: `Retirer ${name}`,
      confirmIcon: 'fr-icon-close-circle-line fr-btn--icon-left',
      cancelHref: membersPath(siret),
    });
  }

  /** Leaving, asked before it is done: any member may leave, except the main manager before handing over. */
  async function confirmLeaving(req: Request, res: Response) {
    const siret = siretParam(req);
    const view = await viewOrganisation(deps, req.user!, siret);
    if (view.membership?.status !== 'active') throw notFound();
    if (isMainManager(view.membership.roles as OrganisationRole[])) {
      flash(
        req,
        'error',
        'Vous êtes gestionnaire principal : transmettez d’abord ce rôle à un autre membre pour pouvoir quitter l’organisation.',
      );
      return res.redirect(303, `/organisations/${siret}`);
    }
    renderConfirmation(res, {
      title: 'Quitter l’organisation',
      heading: `Quitter ${view.organisation.name} ?`,
      consequences: [
        'Vous perdrez aussitôt l’accès à ses demandes, à ses habilitations et à ses jetons.',
        'Pour revenir, il vous faudra un nouveau code d’invitation ou l’accord du support.',
      ],
      action: `/organisations/${siret}/quitter`,
      confirmLabel: 'Quitter l’organisation',
      confirmIcon: 'fr-icon-logout-box-r-line fr-btn--icon-left',
      cancelHref: `/organisations/${siret}`,
    });
  }

  router.get('/organisations/:siret/membres/:userId/retirer', requireSignedIn, async (req, res) => {
    const userId = idParam(req, 'userId');
    await (userId === req.user!.id ? confirmLeaving(req, res) : confirmRemoval(req, res, userId));
  });

  router.get('/organisations/:siret/quitter', requireSignedIn, async (req, res) => {
    await confirmLeaving(req, res);
  });

  // The confirmed actions: the buttons on the pages lead to the confirmation pages above, which post here.
  const removal = (userIdOf: (req: Request) => string) =>
    formAction(
      async (req) => {
        const userId = userIdOf(req);
        const leaving = userId === req.user!.id;
        await removeMember(deps, req.user!, siretParam(req), userId);
        return leaving
          ? {
              redirect: '/tableau-de-bord',
              flash: { type: 'success', message: 'Vous avez quitté l’organisation.' },
            }
          : {
              redirect: membersPath(siretParam(req)),
              flash: { type: 'success', message: 'Le membre a été retiré de l’organisation.' },
            };
      },
      {
        back: (req) =>
          userIdOf(req) === req.user!.id ? `/organisations/${siretParam(req)}` : membersPath(siretParam(req)),
      },
    );

  router.post(
    '/organisations/:siret/membres/:userId/retirer',
    requireSignedIn,
    removal((req) => idParam(req, 'userId')),
  );
  router.post(
    '/organisations/:siret/quitter',
    requireSignedIn,
    removal((req) => req.user!.id),
  );

  router.post(
    '/organisations/:siret/gestionnaire-principal',
    requireSignedIn,
    formAction(
      async (req) => {
        const siret = siretParam(req);
        await handOverMainManager(deps, req.user!, siret, { userId: req.body?.userId });
        return {
          redirect: membersPath(siret),
          flash: {
            type: 'success',
            message: 'Le rôle de gestionnaire principal a été transmis. Vous gardez celui d’administrateur.',
          },
        };
      },
      // A refused choice is told in a flash on the list: the table has one form per member.
      { back: (req) => membersPath(siretParam(req)), fieldErrors: 'flash' },
    ),
  );

  return router;
}
