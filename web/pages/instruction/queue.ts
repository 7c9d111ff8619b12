import { Router } from 'express';
import type { AppDeps } from '../../../app/deps.ts';
import { listQueue, queueScope, type QueuePage } from '../../../app/instruction.ts';
import { fieldErrorsOf } from '../../forms.ts';
import { requireSignedIn } from '../../page-context.ts';
import { queueFilters, queueView } from '../../presenters/instruction-queue.ts';

/** The instruction queue (spec §3): the requests of the definitions a person instructs or reports on. */
export function queuePage(deps: AppDeps): Router {
  const router = Router();

  router.get('/instruction', requireSignedIn, async (req, res) => {
    const user = req.user!;
    const scope = queueScope(user);
    const raw = req.query as Record<string, unknown>;
    // An empty field of the filter form means "any", not an invalid value.
    const query = Object.fromEntries(
      ['definition', 'state', 'q', 'page']
        .filter((key) => raw[key] !== undefined && raw[key] !== '')
        .map((key) => [key, raw[key]]),
    );
    let page: QueuePage | undefined;
    let errors: Record<string, string> | undefined;
    try {
      page = await listQueue(deps, user, query);
    } catch (error) {
      errors = fieldErrorsOf(error);
      if (!errors) throw error;
    }
    res
      .status(errors ? 422 : 200)
      .render('instruction-queue', queueView(deps.definitions, user, scope, queueFilters(raw), page, errors));
  });

  return router;
}
