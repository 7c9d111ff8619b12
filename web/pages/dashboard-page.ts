import { Router } from 'express';
import type { AppDeps } from '../../app/deps.ts';
import { listMyOrganisations, viewOrganisation } from '../../app/organisations.ts';
import { listSupportQueue } from '../../app/support.ts';
import { MEMBERSHIP_STATUS_LABELS, ORGANISATION_ROLE_LABELS } from '../../domain/organisation-roles.ts';
import { hasStaffRole, STAFF_ROLE_LABELS } from '../../domain/roles.ts';
import { requireSignedIn } from '../page-context.ts';

export function dashboardPage(deps: AppDeps): Router {
  const router = Router();
  router.get('/tableau-de-bord', requireSignedIn, async (req, res) => {
    const user = req.user!;
    const { memberships, currentOrganisation } = await listMyOrganisations(deps, user);
    const current = currentOrganisation && (await viewOrganisation(deps, user, currentOrganisation.siret));
    const isSupport = hasStaffRole(user.staffRoles, 'support') || hasStaffRole(user.staffRoles, 'admin');
    res.render('tableau-de-bord', {
      title: 'Tableau de bord',
      activeNav: 'tableau-de-bord',
      roles: user.staffRoles.map((grant) => ({
        label: STAFF_ROLE_LABELS[grant.role],
        definition: grant.definition,
      })),
      current: current && {
        ...current,
        rolesLabel: (current.membership?.roles ?? [])
          .map((role) => ORGANISATION_ROLE_LABELS[role as keyof typeof ORGANISATION_ROLE_LABELS])
          .join(', '),
      },
      otherOrganisations: memberships.filter((membership) => !membership.current).length,
      pending: memberships
        .filter((membership) => membership.status !== 'active')
        .map((membership) => ({ ...membership, statusLabel: MEMBERSHIP_STATUS_LABELS[membership.status] })),
      supportQueueLength: isSupport ? (await listSupportQueue(deps, user)).length : undefined,
    });
  });
  return router;
}
