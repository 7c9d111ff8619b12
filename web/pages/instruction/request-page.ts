import { Router } from 'express';
import type { AppDeps } from '../../../app/deps.ts';
import { viewForInstruction } from '../../../app/instruction.ts';
import { takeFormState } from '../../form-actions.ts';
import { requireSignedIn } from '../../page-context.ts';
import { idParam } from '../../path-params.ts';
import { instructionRequestView } from '../../presenters/instruction-request.ts';

/** One request as the instruction side works on it; 404 to anyone outside instruction and support. */
export function requestPage(deps: AppDeps): Router {
  const router = Router();

  router.get('/instruction/demandes/:id', requireSignedIn, async (req, res) => {
    const id = idParam(req, 'id');
    const refused = takeFormState(req);
    const view = await viewForInstruction(deps, req.user!, id);
    res.render('instruction-request', instructionRequestView(view, req.user!, refused));
  });

  return router;
}
