import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  loadOrganisations,
  type DirectoryDataSet,
  type Organisation,
  type OrganisationEstablishment,
} from './organisations.ts';

/**
 * A local server that answers `GET /search` like the public "recherche d'entreprises" API, from the project's
 * own data set (organisations.json). Development and tests point the real client at it, so the adapter code
 * that runs in production is the code under test. It also misbehaves on demand (failures, latency, held
 * requests) and enforces the public service's rate limit.
 */
export interface DirectoryStandIn {
  url: string;
  stop(): Promise<void>;
  /** For tests: the next `count` requests get this status instead of an answer. */
  failNext(count: number, status: 429 | 500 | 503): void;
  /** For tests: requests wait, unanswered, until `release()`. */
  holdRequests(): { release(): void };
  /** For tests: every answer is delayed by this much. */
  setLatency(ms: number): void;
  /** For tests: the directory now says this establishment has closed (as happens between two look-ups). */
  closeEstablishment(siret: string): void;
  /** Back to normal service: no injected failure, latency or closure left. */
  reset(): void;
  readonly requestCount: number;
}

const PUBLIC_RATE_PER_SECOND = 7;
const MATCHING_ESTABLISHMENTS_LIMIT = 10;
const NON_DIFFUSIBLE = '[NON-DIFFUSIBLE]';
/** Dates of the last update, as the real answer carries them; the data set is static. */
const UPDATED_AT = '2025-01-06T09:00:00';
const PAGE_LIMITS = { min: 1, max: 1000, default: 1 };
const PER_PAGE_LIMITS = { min: 1, max: 25, default: 10 };
const MAX_TOTAL_RESULTS = 10_000;

export async function startDirectoryStandIn(
  options: { host?: string; port?: number; ratePerSecond?: number } = {},
): Promise<DirectoryStandIn> {
  const directory = new SearchIndex(loadOrganisations());
  const ratePerSecond = options.ratePerSecond ?? PUBLIC_RATE_PER_SECOND;
  const acceptedAt = new Map<string, number[]>();
  const injectedFailures: Array<429 | 500 | 503> = [];
  const holds = new Set<Promise<void>>();
  const stopping = new AbortController();
  const stopped = new Promise<void>((resolve) => stopping.signal.addEventListener('abort', () => resolve()));
  let latencyMs = 0;
  const closedSirets = new Set<string>();
  let requestCount = 0;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    requestCount += 1;
    if (latencyMs > 0) await sleep(latencyMs, undefined, { signal: stopping.signal });
    while (holds.size > 0) await Promise.race([Promise.all(holds), stopped]);
    if (stopping.signal.aborted) return;

    const failure = injectedFailures.shift();
    if (failure === 429) return tooManyRequests(response, 1, ratePerSecond);
    if (failure !== undefined) {
      const text = failure === 500 ? 'Internal Server Error' : 'Service Unavailable';
      return sendJson(response, failure, { erreur: text });
    }

    const retryAfter = takeRateLimitSlot(request.socket.remoteAddress ?? 'unknown');
    if (retryAfter !== undefined) return tooManyRequests(response, retryAfter, ratePerSecond);

    const url = new URL(request.url ?? '/', 'http://stand-in.invalid');
    if (url.pathname !== '/search') return sendJson(response, 404, { erreur: '404: Not Found' });
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return sendJson(response, 405, { erreur: '405: Method Not Allowed' }, { Allow: 'GET, HEAD' });
    }
    const query = parseSearchQuery(url.searchParams);
    if (!query.ok) return sendJson(response, 400, { erreur: query.error });
    const answer = directory.search(query.terms, query.page, query.perPage);
    sendJson(response, 200, closedSirets.size === 0 ? answer : withClosures(answer, closedSirets));
  }

  /** Sliding one-second window per client address; refused requests do not use up the allowance. */
  /** Establishments closed by a test, reported closed wherever they appear in an answer. */
  function withClosures<T>(answer: T, closed: Set<string>): T {
    return JSON.parse(JSON.stringify(answer), (_key, value: unknown) => {
      if (value && typeof value === 'object' && closed.has((value as { siret?: string }).siret ?? '')) {
        return { ...value, etat_administratif: 'F' };
      }
      return value;
    }) as T;
  }

  function takeRateLimitSlot(client: string): number | undefined {
    const now = Date.now();
    const recent = (acceptedAt.get(client) ?? []).filter((at) => now - at < 1_000);
    if (recent.length >= ratePerSecond) {
      acceptedAt.set(client, recent);
      return Math.max(1, Math.ceil((recent[0]! + 1_000 - now) / 1_000));
    }
    recent.push(now);
    acceptedAt.set(client, recent);
    return undefined;
  }

  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (stopping.signal.aborted) return;
      if (!response.headersSent) sendJson(response, 500, { erreur: 'Internal Server Error' });
      else response.destroy();
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${urlHost(host)}:${port}`,
    get requestCount() {
      return requestCount;
    },
    failNext(count, status) {
      for (let i = 0; i < count; i += 1) injectedFailures.push(status);
    },
    holdRequests() {
      let release!: () => void;
      const hold = new Promise<void>((resolve) => (release = resolve));
      holds.add(hold);
      return {
        release() {
          holds.delete(hold);
          release();
        },
      };
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    closeEstablishment(siret) {
      closedSirets.add(siret);
    },
    reset() {
      injectedFailures.length = 0;
      latencyMs = 0;
      closedSirets.clear();
    },
    async stop() {
      stopping.abort();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

type SearchQuery = { ok: true; terms: string; page: number; perPage: number } | { ok: false; error: string };

/** The real API's checks, in its order and with its messages. */
function parseSearchQuery(params: URLSearchParams): SearchQuery {
  const page = integerParameter(params, 'page', PAGE_LIMITS);
  if (typeof page === 'string') return { ok: false, error: page };
  const perPage = integerParameter(params, 'per_page', PER_PAGE_LIMITS);
  if (typeof perPage === 'string') return { ok: false, error: perPage };
  if (page * perPage > MAX_TOTAL_RESULTS) {
    return {
      ok: false,
      error:
        'Le nombre total de résultats est restreint à 10 000. Pour garantir cela, le produit du numéro de page ' +
        '(par défaut, page = 1) et du nombre de résultats par page (par défaut, per_page = 10), ' +
        "c'est-à-dire `page * per_page`, ne doit pas excéder 10 000.",
    };
  }
  const terms = (params.get('q') ?? '').trim();
  if (terms === '') return { ok: false, error: 'Veuillez indiquer au moins un paramètre de recherche.' };
  if (terms.length < 3) {
    return {
      ok: false,
      error: '3 caractères minimum pour les termes de la requête (ou utilisez au moins un filtre)',
    };
  }
  return { ok: true, terms, page, perPage };
}

function integerParameter(
  params: URLSearchParams,
  name: string,
  limits: { min: number; max: number; default: number },
): number | string {
  const raw = params.get(name)?.trim();
  if (raw === undefined || raw === '') return limits.default;
  if (!/^[+-]?\d+$/.test(raw)) return `Veuillez indiquer un paramètre \`${name}\` entier.`;
  const value = Number(raw);
  if (value < limits.min || value > limits.max) {
    return (
      `Veuillez indiquer un paramètre \`${name}\` entre \`${limits.min}\` et \`${limits.max}\`, ` +
      `par défaut \`${limits.default}\`.`
    );
  }
  return value;
}

/** The data set expanded once into the API's shapes, with what text search compares against. */
class SearchIndex {
  private readonly units: IndexedUnit[];

  constructor(dataSet: DirectoryDataSet) {
    this.units = dataSet.organisations.map((organisation) => indexUnit(organisation, dataSet));
  }

  search(terms: string, page: number, perPage: number) {
    const matches = this.match(terms);
    const start = (page - 1) * perPage;
    return {
      results: matches
        .slice(start, start + perPage)
        .map(({ unit, matching }) => ({ ...unit.result, matching_etablissements: matching })),
      total_results: matches.length,
      page,
      per_page: perPage,
      total_pages: Math.ceil(matches.length / perPage),
    };
  }

  private match(terms: string): Array<{ unit: IndexedUnit; matching: ApiMatchingEstablishment[] }> {
    // Like the real API: spaces inside a number are ignored, a SIREN or SIRET query skips text search, and a
    // SIREN query returns no matching establishment.
    const compact = terms.replace(/ /g, '');
    if (/^\d{9}$/.test(compact)) {
      return this.units
        .filter((unit) => unit.result.siren === compact)
        .map((unit) => ({ unit, matching: [] }));
    }
    if (/^\d{14}$/.test(compact)) {
      return this.units.flatMap((unit) => {
        const establishment = unit.establishments.find((candidate) => candidate.matching.siret === compact);
        return establishment ? [{ unit, matching: [establishment.matching] }] : [];
      });
    }
    const tokens = searchableText(terms).split(' ').filter(Boolean);
    const found = this.units.flatMap((unit) => {
      const matching = unit.establishments.filter((establishment) =>
        // Each word of the query starts a word of the names or the address.
        tokens.every((token) => establishment.searchText.includes(` ${token}`)),
      );
      return matching.length > 0 ? [{ unit, matching }] : [];
    });
    found.sort(
      (a, b) =>
        a.unit.result.etat_administratif.localeCompare(b.unit.result.etat_administratif) ||
        b.matching.length - a.matching.length ||
        a.unit.result.nom_complet.localeCompare(b.unit.result.nom_complet),
    );
    return found.map(({ unit, matching }) => ({
      unit,
      matching: matching
        .sort((a, b) => a.rank - b.rank)
        .slice(0, MATCHING_ESTABLISHMENTS_LIMIT)
        .map((establishment) => establishment.matching),
    }));
  }
}

interface IndexedUnit {
  result: ReturnType<typeof unitResult>;
  establishments: Array<{ matching: ApiMatchingEstablishment; searchText: string; rank: number }>;
}

function indexUnit(organisation: Organisation, dataSet: DirectoryDataSet): IndexedUnit {
  const diffusible = organisation.diffusible !== false;
  const result = unitResult(organisation, dataSet);
  // A non-diffusible unit's name is not published, so it cannot be found by it either.
  const unitText = diffusible ? `${organisation.name} ${organisation.acronym ?? ''}` : '';
  return {
    result,
    establishments: organisation.establishments.map((establishment) => ({
      matching: matchingEstablishment(establishment, organisation, dataSet),
      searchText: ` ${searchableText(
        [
          unitText,
          establishment.address.city,
          ...(diffusible ? [establishment.address.street, ...(establishment.signs ?? [])] : []),
        ].join(' '),
      )} `,
      // Open establishments first, the head office before the others.
      rank: (establishment.state === 'A' ? 0 : 2) + (establishment.headOffice ? 0 : 1),
    })),
  };
}

/** Upper case, no accents, words separated by single spaces. */
function searchableText(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, ' ')
    .trim();
}

function unitResult(organisation: Organisation, dataSet: DirectoryDataSet) {
  const diffusible = organisation.diffusible !== false;
  const headOffice = organisation.establishments.find((establishment) => establishment.headOffice)!;
  const hidden = (value: string | null): string | null => (diffusible ? value : NON_DIFFUSIBLE);
  const band = organisation.headcountBand ?? null;
  return {
    siren: organisation.siren,
    nom_complet: hidden(
      organisation.acronym ? `${organisation.name} (${organisation.acronym})` : organisation.name,
    )!,
    nom_raison_sociale: hidden(organisation.legalCategory === '1000' ? null : organisation.name),
    sigle: hidden(organisation.acronym ?? null),
    nombre_etablissements: organisation.establishments.length,
    nombre_etablissements_ouverts: organisation.establishments.filter(({ state }) => state === 'A').length,
    siege: headOfficeEstablishment(headOffice, organisation, dataSet),
    activite_principale: organisation.activity,
    categorie_entreprise: organisation.companyCategory ?? null,
    annee_categorie_entreprise: organisation.companyCategory ? '2022' : null,
    date_creation: organisation.createdOn,
    date_fermeture: organisation.closedOn ?? null,
    date_mise_a_jour: UPDATED_AT,
    date_mise_a_jour_insee: UPDATED_AT,
    date_mise_a_jour_rne: null,
    // The stand-in publishes no personal data: no directors.
    dirigeants: [],
    etat_administratif: organisation.state,
    nature_juridique: organisation.legalCategory,
    section_activite_principale: activitySection(organisation.activity),
    tranche_effectif_salarie: band,
    annee_tranche_effectif_salarie: band === null || band === 'NN' ? null : '2022',
    statut_diffusion: diffusible ? 'O' : 'P',
    finances: null,
    complements: complements(organisation, dataSet),
  };
}

function complements(organisation: Organisation, dataSet: DirectoryDataSet) {
  const category = organisation.legalCategory;
  return {
    collectivite_territoriale: localAuthority(organisation, dataSet),
    convention_collective_renseignee: false,
    egapro_renseignee: false,
    // Left out when the data set does not say, as older index versions did.
    ...(organisation.isAdministration === null ? {} : { est_administration: organisation.isAdministration }),
    est_association: category.startsWith('92'),
    est_bio: false,
    est_entrepreneur_individuel: category === '1000',
    est_entrepreneur_spectacle: false,
    est_ess: category.startsWith('92') || category.startsWith('93'),
    est_finess: category === '7364' || category === '7470',
    est_organisme_formation: false,
    est_qualiopi: false,
    liste_id_organisme_formation: null,
    est_rge: false,
    // Deprecated upstream: always null.
    est_service_public: null,
    est_siae: false,
    est_societe_mission: false,
    est_uai: category === '7331' || category === '7383',
    identifiant_association: null,
    statut_entrepreneur_spectacle: null,
    type_siae: null,
  };
}

function localAuthority(organisation: Organisation, dataSet: DirectoryDataSet) {
  if (organisation.state !== 'A') return null;
  const headOffice = organisation.establishments.find((establishment) => establishment.headOffice)!;
  const place = dataSet.places[headOffice.address.city]!;
  switch (organisation.legalCategory) {
    case '7210':
      return { code: place.commune, code_insee: place.commune, elus: [], niveau: 'Commune' };
    case '7220':
      return {
        code: `${place.departement}D`,
        code_insee: place.departement,
        elus: [],
        niveau: 'Département',
      };
    case '7230':
      return { code: `${place.region}R`, code_insee: place.region, elus: [], niveau: 'Région' };
    case '7343':
    case '7344':
    case '7346':
    case '7348':
      return { code: organisation.siren, code_insee: null, elus: [], niveau: 'EPCI' };
    default:
      return null;
  }
}

function establishmentFacts(
  establishment: OrganisationEstablishment,
  organisation: Organisation,
  dataSet: DirectoryDataSet,
) {
  const diffusible = organisation.diffusible !== false;
  const hidden = <T>(value: T): T | string => (diffusible ? value : NON_DIFFUSIBLE);
  const { address } = establishment;
  const place = dataSet.places[address.city]!;
  const fullAddress = [
    address.complement,
    address.number,
    address.streetType,
    address.street,
    place.postalCode,
    address.city,
  ]
    .filter(Boolean)
    .join(' ');
  return {
    diffusible,
    hidden,
    place,
    common: {
      activite_principale: establishment.activity ?? organisation.activity,
      annee_tranche_effectif_salarie: null,
      adresse: hidden(fullAddress),
      caractere_employeur: organisation.headcountBand && organisation.headcountBand !== 'NN' ? 'O' : 'N',
      code_postal: hidden(place.postalCode),
      commune: place.commune,
      date_creation: establishment.openedOn,
      date_debut_activite: establishment.closedOn ?? establishment.openedOn,
      date_fermeture: establishment.closedOn ?? null,
      epci: null,
      est_siege: establishment.headOffice,
      etat_administratif: establishment.state,
      latitude: hidden(null),
      libelle_commune: address.city,
      liste_enseignes: establishment.signs?.map(hidden) ?? null,
      liste_finess: null,
      liste_idcc: null,
      liste_rge: null,
      liste_uai: null,
      longitude: hidden(null),
      nom_commercial: null,
      region: place.region,
      siret: establishment.siret,
      statut_diffusion_etablissement: diffusible ? 'O' : 'P',
      tranche_effectif_salarie: null,
    },
  };
}

function headOfficeEstablishment(
  establishment: OrganisationEstablishment,
  organisation: Organisation,
  dataSet: DirectoryDataSet,
) {
  const { common, hidden, place } = establishmentFacts(establishment, organisation, dataSet);
  const { address } = establishment;
  return {
    ...common,
    cedex: null,
    complement_adresse: address.complement ? hidden(address.complement) : null,
    coordonnees: hidden(null),
    date_mise_a_jour_insee: UPDATED_AT,
    departement: place.departement,
    distribution_speciale: null,
    indice_repetition: null,
    libelle_cedex: null,
    libelle_voie: hidden(address.street),
    numero_voie: address.number ? hidden(address.number) : null,
    type_voie: address.streetType ? hidden(address.streetType) : null,
  };
}

type ApiMatchingEstablishment = ReturnType<typeof matchingEstablishment>;

function matchingEstablishment(
  establishment: OrganisationEstablishment,
  organisation: Organisation,
  dataSet: DirectoryDataSet,
) {
  const { common } = establishmentFacts(establishment, organisation, dataSet);
  return { ...common, ancien_siege: establishment.formerHeadOffice === true, geo_id: null };
}

/** NAF section letter from the division (the code's first two digits). */
function activitySection(activity: string): string | null {
  const division = Number(activity.slice(0, 2));
  const sections: Array<[number, string]> = [
    [3, 'A'],
    [9, 'B'],
    [33, 'C'],
    [35, 'D'],
    [39, 'E'],
    [43, 'F'],
    [47, 'G'],
    [53, 'H'],
    [56, 'I'],
    [63, 'J'],
    [66, 'K'],
    [68, 'L'],
    [75, 'M'],
    [82, 'N'],
    [84, 'O'],
    [85, 'P'],
    [88, 'Q'],
    [93, 'R'],
    [96, 'S'],
    [98, 'T'],
    [99, 'U'],
  ];
  if (!Number.isInteger(division) || division < 1) return null;
  return sections.find(([last]) => division <= last)?.[1] ?? null;
}

function tooManyRequests(response: ServerResponse, retryAfterSeconds: number, ratePerSecond: number): void {
  sendJson(
    response,
    429,
    { erreur: `Trop de requêtes : la limite est de ${ratePerSecond} appels par seconde et par adresse IP.` },
    { 'Retry-After': String(retryAfterSeconds) },
  );
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (response.destroyed || response.writableEnded) return;
  const payload = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(payload),
    ...headers,
  });
  response.end(response.req.method === 'HEAD' ? undefined : payload);
}

function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
