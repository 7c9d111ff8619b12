import type { Definition } from '../domain/definitions.ts';
import type { AppDeps } from './deps.ts';

export interface CatalogueEntry {
  definition: Definition;
  /** Median seconds from first submission to decision, over decisions of the last 3 months; null: none yet. */
  medianDecisionSeconds: number | null;
}

/** The public catalogue of APIs (spec §7): every definition, with its median time to a decision. */
export async function listCatalogue(deps: AppDeps): Promise<CatalogueEntry[]> {
  const medians = await deps.statistics.medianDecisionTimes();
  return deps.definitions.list().map((definition) => ({
    definition,
    medianDecisionSeconds: medians.get(definition.slug) ?? null,
  }));
}
