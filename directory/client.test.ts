import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { LA_POSTE_SIREN, checkSiren, checkSiret } from '../domain/siret.ts';
import { DirectoryUnavailableError, createDirectoryClient, type Directory } from './client.ts';
import { loadOrganisations } from './organisations.ts';
import { startDirectoryStandIn, type DirectoryStandIn } from './stand-in.ts';

/** Polls a condition on the stand-in, failing after a deadline generous for a loaded machine. */
async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

// SIRETs of the data set (directory/README.md).
const COMMUNE = '21457956700014';
const COMMUNE_CLOSED_HOLIDAY_CAMP = '21457956700030';
const LA_POSTE_BRANCH = '35600000035288';
const CEASED_COMPANY = '81432691400011';
const NON_DIFFUSIBLE = '89207680300014';
/** Valid key, known SIREN, but no such establishment. */
const UNKNOWN = '21457956700097';

describe('the directory client, against the stand-in', () => {
  let standIn: DirectoryStandIn;
  let directory: Directory;

  beforeEach(async () => {
    // The rate limit has its own test; here it would only slow things down.
    standIn = await startDirectoryStandIn({ ratePerSecond: 1_000 });
    directory = createDirectoryClient({ baseUrl: standIn.url, timeoutMs: 1_000, retries: 2 });
  });

  afterEach(async () => {
    await standIn.stop();
  });

  it('finds an open commune with what sign-up needs to know', async () => {
    assert.deepEqual(await directory.findEstablishment(COMMUNE), {
      siret: COMMUNE,
      siren: '214579567',
      name: 'COMMUNE DE SAINT-EXEMPLE-SUR-LOIRE',
      legalCategory: '7210',
      activity: '84.11Z',
      address: '1 PLACE DE LA MAIRIE 45570 SAINT-EXEMPLE-SUR-LOIRE',
      active: true,
      headOffice: true,
      isAdministration: true,
    });
  });

  it('finds a La Poste branch, open but not the head office', async () => {
    const branch = await directory.findEstablishment(LA_POSTE_BRANCH);
    assert.equal(branch?.siren, LA_POSTE_SIREN);
    assert.equal(branch?.name, 'LA POSTE');
    assert.equal(branch?.legalCategory, '5510');
    assert.equal(branch?.headOffice, false);
    assert.equal(branch?.active, true);
    assert.equal(branch?.isAdministration, false);
  });

  it('reports the closed holiday camp of an open commune as inactive', async () => {
    const camp = await directory.findEstablishment(COMMUNE_CLOSED_HOLIDAY_CAMP);
    assert.equal(camp?.active, false);
    assert.equal(camp?.headOffice, false);
    assert.equal(camp?.name, 'COMMUNE DE SAINT-EXEMPLE-SUR-LOIRE');
  });

  it('reports the establishment of a ceased company as inactive, without an administration flag', async () => {
    const office = await directory.findEstablishment(CEASED_COMPANY);
    assert.equal(office?.active, false);
    assert.equal(office?.isAdministration, null);
  });

  it('finds a non-diffusible unit under the name the directory gives', async () => {
    const unit = await directory.findEstablishment(NON_DIFFUSIBLE);
    assert.equal(unit?.name, '[NON-DIFFUSIBLE]');
    assert.equal(unit?.address, '[NON-DIFFUSIBLE]');
    assert.equal(unit?.active, true);
  });

  it('answers undefined for a SIRET the directory does not know', async () => {
    assert.equal(await directory.findEstablishment(UNKNOWN), undefined);
  });

  it('does not ask about something that is not a SIRET', async () => {
    assert.equal(await directory.findEstablishment('not a siret'), undefined);
    assert.equal(standIn.requestCount, 0);
  });

  it('accepts a SIRET written with spaces', async () => {
    assert.equal((await directory.findEstablishment('214 579 567 00014'))?.siret, COMMUNE);
  });

  it('retries after server errors and succeeds', async () => {
    standIn.failNext(2, 503);
    assert.equal((await directory.findEstablishment(COMMUNE))?.siret, COMMUNE);
    assert.equal(standIn.requestCount, 3);
  });

  it('gives up after its retries, with a message that names no establishment', async () => {
    standIn.failNext(5, 500);
    await assert.rejects(directory.findEstablishment(COMMUNE), (error: unknown) => {
      assert.ok(error instanceof DirectoryUnavailableError);
      assert.match(error.message, /after 3 attempt\(s\), last: HTTP 500/);
      assert.ok(!error.message.includes(COMMUNE));
      return true;
    });
    assert.equal(standIn.requestCount, 3);
  });

  it('waits as long as Retry-After asks when rate-limited, then succeeds', async () => {
    standIn.failNext(1, 429);
    const started = Date.now();
    assert.equal((await directory.findEstablishment(COMMUNE))?.siret, COMMUNE);
    assert.ok(Date.now() - started >= 950, 'waited for Retry-After: 1');
    assert.equal(standIn.requestCount, 2);
  });

  it('gives up on a directory that answers too slowly', async () => {
    standIn.setLatency(500);
    const impatient = createDirectoryClient({ baseUrl: standIn.url, timeoutMs: 100, retries: 1 });
    await assert.rejects(impatient.findEstablishment(COMMUNE), /no answer within 100 ms/);
    assert.equal(standIn.requestCount, 2);
  });

  it('gives up on a directory that is down', async () => {
    await standIn.stop();
    await assert.rejects(
      directory.findEstablishment(COMMUNE),
      (error: unknown) => error instanceof DirectoryUnavailableError && /ECONNREFUSED/.test(error.message),
    );
  });

  it('waits for held requests and answers once released', async () => {
    const hold = standIn.holdRequests();
    let settled = false;
    const lookup = directory.findEstablishment(COMMUNE).finally(() => (settled = true));
    await until(() => standIn.requestCount === 1, 'the lookup to reach the directory');
    assert.equal(settled, false, 'no answer while the directory holds it');
    hold.release();
    assert.equal((await lookup)?.siret, COMMUNE);
  });
});

describe('the directory client, against a broken directory', () => {
  let server: Server | undefined;

  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  });

  async function serve(status: number, body: string): Promise<Directory> {
    server = createServer((_request, response) => {
      response.writeHead(status, { 'Content-Type': 'application/json' }).end(body);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return createDirectoryClient({ baseUrl: `http://127.0.0.1:${port}/`, timeoutMs: 1_000, retries: 2 });
  }

  it('reports an answer that is not JSON as unavailability', async () => {
    const directory = await serve(200, '<html>maintenance</html>');
    await assert.rejects(directory.findEstablishment(COMMUNE), DirectoryUnavailableError);
  });

  it('reports an answer of another shape as unavailability', async () => {
    const directory = await serve(200, JSON.stringify({ results: [{ nom_complet: 'SANS SIREN' }] }));
    await assert.rejects(directory.findEstablishment(COMMUNE), DirectoryUnavailableError);
  });

  it('reports a refused query with the directory’s own words, without retrying', async () => {
    const directory = await serve(
      400,
      JSON.stringify({ erreur: 'Veuillez indiquer un paramètre `page` entier.' }),
    );
    await assert.rejects(
      directory.findEstablishment(COMMUNE),
      /HTTP 400: Veuillez indiquer un paramètre `page` entier\./,
    );
  });
});

/** The parts of the real API's answer that these tests read. */
interface ApiEstablishment {
  siret: string;
  est_siege: boolean;
}
interface SearchAnswer {
  erreur?: string;
  results: Array<{
    siren: string;
    nom_complet: string;
    nature_juridique: string;
    etat_administratif: string;
    statut_diffusion: string;
    siege: ApiEstablishment;
    matching_etablissements: ApiEstablishment[];
    complements: {
      est_administration?: boolean;
      est_service_public: null;
      collectivite_territoriale: { niveau: string } | null;
    };
  }>;
  total_results: number;
  page: number;
  per_page: number;
  total_pages: number;
}

describe('the stand-in speaks the real API’s format', () => {
  let standIn: DirectoryStandIn;

  beforeEach(async () => {
    standIn = await startDirectoryStandIn({ ratePerSecond: 1_000 });
  });

  afterEach(async () => {
    await standIn.stop();
  });

  async function get(path: string): Promise<{ status: number; body: SearchAnswer }> {
    const response = await fetch(`${standIn.url}${path}`);
    return { status: response.status, body: (await response.json()) as SearchAnswer };
  }

  it('answers a SIRET with its unit, head office and matching establishment', async () => {
    const { status, body } = await get(`/search?q=${LA_POSTE_BRANCH}&page=1&per_page=5`);
    assert.equal(status, 200);
    assert.deepEqual(
      {
        total_results: body.total_results,
        page: body.page,
        per_page: body.per_page,
        total_pages: body.total_pages,
      },
      { total_results: 1, page: 1, per_page: 5, total_pages: 1 },
    );
    const unit = body.results[0]!;
    assert.equal(unit.siren, LA_POSTE_SIREN);
    assert.equal(unit.nom_complet, 'LA POSTE');
    assert.equal(unit.nature_juridique, '5510');
    assert.equal(unit.etat_administratif, 'A');
    assert.equal(unit.statut_diffusion, 'O');
    assert.equal(unit.siege.est_siege, true);
    assert.deepEqual(
      unit.matching_etablissements.map((establishment) => establishment.siret),
      [LA_POSTE_BRANCH],
    );
    assert.equal(unit.matching_etablissements[0]?.est_siege, false);
    assert.equal(unit.complements.est_service_public, null);
    assert.equal(unit.complements.est_administration, false);
  });

  it('answers a SIREN with its unit and no matching establishment', async () => {
    const { body } = await get('/search?q=214579567');
    const unit = body.results[0]!;
    assert.equal(unit.nom_complet, 'COMMUNE DE SAINT-EXEMPLE-SUR-LOIRE');
    assert.equal(unit.siege.siret, COMMUNE);
    assert.deepEqual(unit.matching_etablissements, []);
    assert.equal(unit.complements.collectivite_territoriale?.niveau, 'Commune');
  });

  it('answers an unknown SIRET with no results, not an error', async () => {
    const { status, body } = await get(`/search?q=${UNKNOWN}`);
    assert.equal(status, 200);
    assert.deepEqual(body, { results: [], total_results: 0, page: 1, per_page: 10, total_pages: 0 });
  });

  it('finds names whatever their case and accents, page by page', async () => {
    const { body } = await get('/search?q=universit%C3%A9%20de%20fictiville');
    assert.equal(body.results[0]?.nom_complet, 'UNIVERSITE DE FICTIVILLE');
    const communes = await get('/search?q=commune&per_page=2');
    assert.equal(communes.body.results.length, 2);
    assert.ok(communes.body.total_results >= 4);
    assert.equal(communes.body.total_pages, Math.ceil(communes.body.total_results / 2));
  });

  it('refuses bad queries with the real API’s messages', async () => {
    const cases: Array<[string, string]> = [
      ['/search', 'Veuillez indiquer au moins un paramètre de recherche.'],
      ['/search?q=ab', '3 caractères minimum pour les termes de la requête (ou utilisez au moins un filtre)'],
      [
        '/search?q=poste&per_page=26',
        'Veuillez indiquer un paramètre `per_page` entre `1` et `25`, par défaut `10`.',
      ],
      [
        '/search?q=poste&page=0',
        'Veuillez indiquer un paramètre `page` entre `1` et `1000`, par défaut `1`.',
      ],
      ['/search?q=poste&page=un', 'Veuillez indiquer un paramètre `page` entier.'],
    ];
    for (const [path, erreur] of cases) {
      const { status, body } = await get(path);
      assert.equal(status, 400, path);
      assert.deepEqual(body, { erreur } as unknown, path);
    }
  });

  it('answers 404 with an error object on unknown paths', async () => {
    const { status, body } = await get('/unknown');
    assert.equal(status, 404);
    assert.equal(typeof body.erreur, 'string');
  });

  it('limits each client to 7 requests per second by default', async () => {
    const limited = await startDirectoryStandIn();
    const ask = async () => {
      const response = await fetch(`${limited.url}/search?q=${COMMUNE}`);
      await response.arrayBuffer();
      return { status: response.status, retryAfter: response.headers.get('retry-after') };
    };
    try {
      // Held until all ten have arrived, then judged together: however slowly they were sent, they fall within
      // one second of each other.
      const hold = limited.holdRequests();
      const answers = Array.from({ length: 10 }, ask);
      await until(() => limited.requestCount === 10, 'the ten requests to arrive');
      hold.release();
      const statuses = await Promise.all(answers);
      assert.equal(statuses.filter(({ status }) => status === 200).length, 7);
      const refused = statuses.filter(({ status }) => status === 429);
      assert.equal(refused.length, 3);
      assert.ok(refused.every(({ retryAfter }) => retryAfter === '1'));
      // The second after, the allowance is back.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      assert.equal((await ask()).status, 200);
    } finally {
      await limited.stop();
    }
  });
});

describe('the stand-in’s data set', () => {
  const { organisations } = loadOrganisations();

  it('holds only numbers with valid keys, each establishment under its unit', () => {
    const sirets = new Set<string>();
    for (const organisation of organisations) {
      assert.ok(checkSiren(organisation.siren).ok, organisation.siren);
      for (const { siret } of organisation.establishments) {
        const check = checkSiret(siret);
        assert.ok(check.ok, siret);
        assert.equal(check.siren, organisation.siren, siret);
        assert.ok(!sirets.has(siret), `${siret} appears twice`);
        sirets.add(siret);
      }
    }
    assert.equal(new Set(organisations.map(({ siren }) => siren)).size, organisations.length);
  });

  it('covers the cases sign-up and its tests meet', () => {
    assert.ok(organisations.length >= 32);
    const active = organisations.filter(({ state }) => state === 'A');
    assert.ok(active.filter(({ legalCategory }) => /^7[1-4]/.test(legalCategory)).length >= 6);
    assert.ok(
      active.filter(({ legalCategory }) => /^5[4-7]/.test(legalCategory) && legalCategory !== '5510')
        .length >= 2,
    );
    const laPoste = organisations.find(({ siren }) => siren === LA_POSTE_SIREN);
    assert.ok(laPoste);
    const branches = laPoste.establishments.filter(({ headOffice, state }) => !headOffice && state === 'A');
    assert.ok(branches.length >= 3);
    assert.ok(organisations.some(({ state }) => state === 'C'));
    assert.ok(organisations.some(({ diffusible }) => diffusible === false));
    assert.ok(
      active.some(({ establishments }) =>
        establishments.some(({ state, headOffice }) => state === 'F' && !headOffice),
      ),
    );
  });
});
