import { Router } from 'express';
import { listCatalogue } from '../../app/catalogue.ts';
import type { AppDeps } from '../../app/deps.ts';
import { theApi } from '../../domain/api-name.ts';
import { CREDENTIAL_TYPE_LABELS } from '../../domain/definitions.ts';
import { formatElapsed } from '../../domain/french-format.ts';

/** The public catalogue: what each API offers and how long a decision takes, with a way to ask for it. */
export function cataloguePage(deps: AppDeps): Router {
  const router = Router();
  router.get('/catalogue', async (_req, res) => {
    const entries = await listCatalogue(deps);
    res.render('catalogue', {
      title: 'Catalogue des API',
      apis: entries.map(({ definition, medianDecisionSeconds }) => ({
        slug: definition.slug,
        name: definition.name,
        theName: theApi(definition.name),
        description: definition.description,
        provider: definition.provider,
        credentialLabel: definition.credentialTypes.map((type) => CREDENTIAL_TYPE_LABELS[type]).join(' et '),
        validityMonths: definition.validityMonths,
        scopeGroups: definition.scopeGroups,
        hasSensitive: definition.scopeGroups.some((group) => group.scopes.some((scope) => scope.sensitive)),
        medianDecision: medianDecisionSeconds === null ? null : formatElapsed(medianDecisionSeconds),
        cguUrl: definition.cguUrl,
      })),
    });
  });
  return router;
}
