import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { DirectoryFacts } from '../domain/directory-facts.ts';
import { normalizeSiret } from '../domain/siret.ts';

/**
 * The adapter for the public "recherche d'entreprises" API (the Sirene directory): one question, "what is
 * this establishment?". The same code talks to the real service and to the local stand-in.
 */
export interface Establishment extends DirectoryFacts {
  headOffice: boolean;
}

/** The directory could not answer: down, too slow, overloaded, or an answer this adapter cannot read. */
export class DirectoryUnavailableError extends Error {
  override name = 'DirectoryUnavailableError';
}

export interface Directory {
  /** undefined: the directory does not know this SIRET. */
  findEstablishment(siret: string): Promise<Establishment | undefined>;
}

const RESULTS_PER_PAGE = 5;
const FIRST_BACK_OFF_MS = 100;
const MAX_BACK_OFF_MS = 2_000;
/** A longer wait would hold a person's request for too long; better to give up and say so. */
const MAX_RETRY_AFTER_MS = 5_000;

const establishmentSchema = z.object({
  siret: z.string().optional(),
  adresse: z.string().nullish(),
  activite_principale: z.string().nullish(),
  etat_administratif: z.string().nullish(),
  est_siege: z.boolean().nullish(),
});

const unitSchema = z.object({
  siren: z.string(),
  nom_complet: z.string().nullish(),
  nom_raison_sociale: z.string().nullish(),
  nature_juridique: z.string().nullish(),
  etat_administratif: z.string().nullish(),
  // A unit known only from the companies register comes with an empty head office.
  siege: establishmentSchema.nullish(),
  matching_etablissements: z.array(establishmentSchema).nullish(),
  complements: z.object({ est_administration: z.boolean().nullish() }).nullish(),
});

const searchAnswerSchema = z.object({ results: z.array(unitSchema) });

type Attempt = { kind: 'answer'; body: unknown } | { kind: 'retry'; problem: string; waitMs?: number };

export function createDirectoryClient(options: {
  baseUrl: string;
  timeoutMs: number;
  retries: number;
}): Directory {
  const searchUrl = `${options.baseUrl.replace(/\/+$/, '')}/search`;

  async function attempt(url: string): Promise<Attempt> {
    let response: Response;
    try {
      // The timeout covers the whole exchange, body included.
      const signal = AbortSignal.timeout(options.timeoutMs);
      response = await fetch(url, { signal, headers: { Accept: 'application/json' } });
      if (response.ok) return { kind: 'answer', body: await response.json() };
    } catch (error) {
      if (error instanceof SyntaxError) throw new DirectoryUnavailableError('Directory answer is not JSON');
      return { kind: 'retry', problem: describeNetworkFailure(error, options.timeoutMs) };
    }
    const text = await response.text().catch(() => '');
    if (response.status === 429 || response.status >= 500) {
      return {
        kind: 'retry',
        problem: `HTTP ${response.status}`,
        waitMs: retryAfterMs(response.headers.get('retry-after')),
      };
    }
    // 400 means this adapter asked something the API refuses: a bug here, not a user mistake.
    const detail = response.status === 400 ? `: ${errorText(text)}` : '';
    throw new DirectoryUnavailableError(`Directory refused the query with HTTP ${response.status}${detail}`);
  }

  return {
    async findEstablishment(siretInput) {
      const siret = normalizeSiret(siretInput);
      if (!/^\d{14}$/.test(siret)) return undefined;
      const url = `${searchUrl}?${new URLSearchParams({ q: siret, page: '1', per_page: String(RESULTS_PER_PAGE) })}`;

      for (let attemptNumber = 1; ; attemptNumber += 1) {
        const outcome = await attempt(url);
        if (outcome.kind === 'answer') return establishmentIn(outcome.body, siret);
        if (attemptNumber > options.retries) {
          // No SIRET in the message: it names an establishment, sometimes a person.
          throw new DirectoryUnavailableError(
            `Directory unavailable after ${attemptNumber} attempt(s), last: ${outcome.problem}`,
          );
        }
        await sleep(outcome.waitMs ?? backOffMs(attemptNumber));
      }
    },
  };
}

function establishmentIn(body: unknown, siret: string): Establishment | undefined {
  const parsed = searchAnswerSchema.safeParse(body);
  if (!parsed.success) throw new DirectoryUnavailableError('Directory answer has an unexpected shape');
  for (const unit of parsed.data.results) {
    const candidates = [...(unit.matching_etablissements ?? []), ...(unit.siege ? [unit.siege] : [])];
    const establishment = candidates.find((candidate) => candidate.siret === siret);
    if (!establishment) continue;
    return {
      siret,
      siren: unit.siren,
      name: unit.nom_complet ?? unit.nom_raison_sociale ?? '',
      legalCategory: unit.nature_juridique ?? '',
      activity: establishment.activite_principale ?? null,
      address: establishment.adresse ?? '',
      active: establishment.etat_administratif === 'A' && unit.etat_administratif === 'A',
      headOffice: establishment.est_siege === true,
      isAdministration: unit.complements?.est_administration ?? null,
    };
  }
  return undefined;
}

function backOffMs(attemptNumber: number): number {
  const exponential = Math.min(MAX_BACK_OFF_MS, FIRST_BACK_OFF_MS * 2 ** (attemptNumber - 1));
  // Jitter, so that processes that failed together do not retry together.
  return Math.round(exponential * (0.75 + Math.random() * 0.5));
}

/** Retry-After is either a number of seconds or an HTTP date. */
function retryAfterMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1_000 : Date.parse(header) - Date.now();
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}

function describeNetworkFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  return typeof cause?.code === 'string' ? `network error ${cause.code}` : 'network error';
}

function errorText(body: string): string {
  try {
    const parsed = z.object({ erreur: z.string() }).safeParse(JSON.parse(body));
    if (parsed.success) return parsed.data.erreur.slice(0, 300);
  } catch {
    // Not JSON: fall through to the generic text.
  }
  return 'no error text';
}
