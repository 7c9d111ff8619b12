import { Router } from 'express';
import type { AppDeps } from '../../app/deps.ts';
import { viewOrganisationFeed, type OrganisationFeed } from '../../app/organisation-feed.ts';
import { listMyOrganisations, switchCurrentOrganisation, viewOrganisation } from '../../app/organisations.ts';
import { changePassword, updateProfile } from '../../app/profile.ts';
import { decideMembership, listSupportQueue } from '../../app/support.ts';
import { notFound } from '../../domain/errors.ts';
import {
  JOINED_VIA_LABELS,
  MEMBERSHIP_STATUS_LABELS,
  ORGANISATION_ROLE_LABELS,
  type OrganisationRole,
} from '../../domain/organisation-roles.ts';
import { isMainManager, isOrganisationAdmin } from '../../domain/role-rules.ts';
import { formAction, takeFormState } from '../form-actions.ts';
import { idParam, siretParam } from '../path-params.ts';
import { requireSignedIn } from '../page-context.ts';

const roleLabels = (roles: readonly string[]) =>
  roles
    .map((role) => ORGANISATION_ROLE_LABELS[role as keyof typeof ORGANISATION_ROLE_LABELS] ?? role)
    .join(', ');

/** The feed as the organisation page shows it, with links to the previous and next pages. */
const feedView = (feed: OrganisationFeed) => ({
  events: feed.events.map((event) => ({ ...event, occurredAtIso: event.occurredAt.toISOString() })),
  hasMore: feed.hasMore,
  nextPage: feed.page + 1,
  previousPage: feed.page > 1 ? feed.page - 1 : undefined,
  paged: feed.hasMore || feed.page > 1,
});

export function organisationPages(deps: AppDeps): Router {
  const router = Router();

  const accountPage = async (
    req: Parameters<typeof requireSignedIn>[0],
    extra: Record<string, unknown> = {},
  ) => {
    const { memberships } = await listMyOrganisations(deps, req.user!);
    return {
      title: 'Mon compte',
      profile: { givenName: req.user!.givenName, familyName: req.user!.familyName },
      memberships: memberships.map((membership) => ({
        ...membership,
        rolesLabel: roleLabels(membership.roles),
        statusLabel: MEMBERSHIP_STATUS_LABELS[membership.status],
        joinedViaLabel: JOINED_VIA_LABELS[membership.joinedVia],
        active: membership.status === 'active',
      })),
      ...extra,
    };
  };

  // Two forms share the page: a refused one's errors come back under its own fields (post/redirect/get).
  router.get('/compte', requireSignedIn, async (req, res) => {
    const { errors, values } = takeFormState(req);
    const profileErrors = errors && ('givenName' in errors || 'familyName' in errors) ? errors : undefined;
    const passwordErrors = errors && !profileErrors ? errors : undefined;
    res.status(errors ? 422 : 200).render(
      'compte',
      await accountPage(req, {
        ...(profileErrors ? { profile: values, profileErrors } : {}),
        ...(passwordErrors ? { passwordErrors } : {}),
      }),
    );
  });

  router.post(
    '/compte/profil',
    requireSignedIn,
    formAction(
      async (req) => {
        await updateProfile(deps, req.user!, req.body);
        return { redirect: '/compte', flash: { type: 'success', message: 'Votre profil a été mis à jour.' } };
      },
      { back: () => '/compte', fields: ['givenName', 'familyName'] },
    ),
  );

  router.post(
    '/compte/mot-de-passe',
    requireSignedIn,
    formAction(
      async (req) => {
        await changePassword(deps, req.user!, req.body, req.sessionID);
        return {
          redirect: '/compte',
          flash: {
            type: 'success',
            message: 'Votre mot de passe a été changé. Vos autres sessions ont été fermées.',
          },
        };
      },
      // Passwords are never shown back.
      { back: () => '/compte' },
    ),
  );

  router.post(
    '/compte/organisation-courante',
    requireSignedIn,
    formAction(
      async (req) => {
        const organisation = await switchCurrentOrganisation(deps, req.user!, req.body);
        return {
          redirect: '/tableau-de-bord',
          flash: { type: 'success', message: `Vous agissez désormais pour ${organisation.name}.` },
        };
      },
      // One button per organisation, the SIRET hidden: a refused one is told above the list.
      { back: () => '/compte', fieldErrors: 'flash' },
    ),
  );

  router.get('/organisations/:siret', requireSignedIn, async (req, res) => {
    const siret = siretParam(req);
    const view = await viewOrganisation(deps, req.user!, siret);
    const member = view.membership?.status === 'active';
    const roles = (view.membership?.roles ?? []) as OrganisationRole[];
    res.render('organisation', {
      title: view.organisation.name,
      ...view,
      membershipLabel: view.membership && roleLabels(view.membership.roles),
      canAdminister: member && isOrganisationAdmin(roles),
      canLeave: member && !isMainManager(roles),
      feed: member
        ? feedView(await viewOrganisationFeed(deps, req.user!, siret, { page: req.query.page }))
        : undefined,
      isMainManager:
        view.membership?.status === 'active' && view.membership.roles.includes('gestionnaire_principal'),
    });
  });

  router.get('/support/rattachements', requireSignedIn, async (req, res) => {
    const queue = await listSupportQueue(deps, req.user!);
    res.render('support-rattachements', { title: 'Rattachements à vérifier', queue });
  });

  router.post(
    '/support/rattachements/:id/:decision',
    requireSignedIn,
    formAction(
      async (req) => {
        const decision =
          req.params.decision === 'valider'
            ? 'approve'
            : req.params.decision === 'refuser'
              ? 'reject'
              : undefined;
        if (!decision) throw notFound();
        await decideMembership(deps, req.user!, idParam(req, 'id'), decision, { message: req.body?.message });
        return {
          redirect: '/support/rattachements',
          flash: {
            type: 'success',
            message:
              decision === 'approve'
                ? 'Le rattachement est validé ; la personne en est informée.'
                : 'Le rattachement est refusé ; la personne en est informée.',
          },
        };
      },
      // The queue has one decision form per request: a refused message is told in a flash.
      { back: () => '/support/rattachements', fieldErrors: 'flash' },
    ),
  );

  return router;
}
