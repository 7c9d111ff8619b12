import { Router } from 'express';
import { STAFF_ROLE_LABELS } from '../../domain/roles';
import { requireSignedIn } from '../page-context';

export function dashboardPage(): Router {
  const router = Router();
  router.get('/tableau-de-bord', requireSignedIn, (req, res) => {
    res.render('tableau-de-bord', {
      title: 'Tableau de bord',
      activeNav: 'tableau-de-bord',
      roles: req.user!.staffRoles.map((grant) => ({
        label: STAFF_ROLE_LABELS[grant.role],
        definition: grant.definition,
      })),
    });
  });
  return router;
}
