import { Router } from 'express';
import type { AppDeps } from '../../../app/deps.ts';
import { instructionActions } from './actions.ts';
import { queuePage } from './queue.ts';
import { requestPage } from './request-page.ts';
import { revocationPages } from './revocation.ts';

/**
 * The instruction side of access requests (spec §3): the queue, one page per request, the forms of that page
 * and the revocation with its confirmation. Rules live in app/, words in web/presenters/.
 */
export function instructionPages(deps: AppDeps): Router {
  const router = Router();
  router.use(queuePage(deps));
  router.use(requestPage(deps));
  router.use(instructionActions(deps));
  router.use(revocationPages(deps));
  return router;
}
