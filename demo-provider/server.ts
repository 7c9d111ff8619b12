import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { loadOrganisations, type Organisation } from '../directory/organisations.ts';
import { sesameVerify, verifyWebhook, WebhookVerificationError } from '../packages/sesame-verify/index.ts';

/**
 * A demo of an API provider (an "API Entreprise" look-alike) protected by @sesame/verify, started by
 * `npm start` beside the platform so that a holder can call a real endpoint with the token they revealed.
 * It answers from the bundled directory data set (directory/organisations.json), never from the Internet.
 */
export interface DemoProviderOptions {
  introspectionUrl: string;
  clientId: string;
  clientSecret: string;
  host: string;
  port: number;
  cacheTtlMs?: number;
  negativeCacheTtlMs?: number;
  /** The signing secret of the webhook endpoint Sésame delivers to at `/webhooks` (none: webhooks refused). */
  webhookSecret?: string;
}

export interface RunningDemoProvider {
  url: string;
  stop(): Promise<void>;
}

function establishmentAnswer(
  organisation: Organisation,
  siret: string,
  places: ReturnType<typeof loadOrganisations>['places'],
) {
  const establishment = organisation.establishments.find((candidate) => candidate.siret === siret)!;
  const place = places[establishment.address.city];
  return {
    data: {
      siret,
      siege_social: establishment.headOffice,
      etat_administratif: establishment.state,
      date_creation: establishment.openedOn,
      date_fermeture: establishment.closedOn ?? null,
      activite_principale: { code: establishment.activity ?? organisation.activity },
      unite_legale: {
        siren: organisation.siren,
        raison_sociale: organisation.name,
        sigle: organisation.acronym ?? null,
        forme_juridique: { code: organisation.legalCategory },
        etat_administratif: organisation.state,
      },
      adresse: {
        numero_voie: establishment.address.number ?? null,
        type_voie: establishment.address.streetType ?? null,
        libelle_voie: establishment.address.street,
        complement_adresse: establishment.address.complement ?? null,
        code_postal: place?.postalCode ?? null,
        libelle_commune: establishment.address.city,
        code_commune: place?.commune ?? null,
      },
    },
    links: {},
    meta: { source: 'Données de démonstration de Sésame (fictives)' },
  };
}

export function createDemoProviderApp(options: Omit<DemoProviderOptions, 'host' | 'port'>): express.Express {
  const dataSet = loadOrganisations();
  const bySiret = new Map<string, Organisation>();
  for (const organisation of dataSet.organisations)
    for (const establishment of organisation.establishments) bySiret.set(establishment.siret, organisation);

  const sesame = sesameVerify({
    introspectionUrl: options.introspectionUrl,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    cacheTtlMs: options.cacheTtlMs,
    negativeCacheTtlMs: options.negativeCacheTtlMs,
  });
  const app = express();
  app.disable('x-powered-by');

  app.get(
    '/v3/insee/sirene/etablissements/:siret',
    sesame.requireScopes('unites_legales_etablissements'),
    (req, res) => {
      const siret = String(req.params.siret);
      if (!/^\d{14}$/.test(siret))
        return void res.status(422).json({
          errors: [
            { code: '00201', title: 'SIRET invalide', detail: 'Le SIRET doit comporter 14 chiffres.' },
          ],
        });
      const organisation = bySiret.get(siret);
      if (!organisation || organisation.diffusible === false)
        return void res.status(404).json({
          errors: [
            {
              code: '00301',
              title: 'Établissement introuvable',
              detail: `Aucun établissement diffusible pour le SIRET ${siret}.`,
            },
          ],
        });
      res.json(establishmentAnswer(organisation, siret, dataSet.places));
    },
  );

  app.get(
    '/v3/urssaf/unites_legales/:siren/attestation_vigilance',
    sesame.requireScopes('attestations_sociales'),
    (req, res) => {
      const siren = String(req.params.siren);
      const organisation = dataSet.organisations.find((candidate) => candidate.siren === siren);
      if (!organisation)
        return void res
          .status(404)
          .json({ errors: [{ code: '00301', title: 'Unité légale introuvable', detail: siren }] });
      res.json({
        data: { entity_status: { code: 'ok' }, date_debut_validite: '2026-01-01', siren },
        links: {},
        meta: {},
      });
    },
  );

  // Webhooks from Sésame: each delivery verified with @sesame/verify, deduplicated on its webhook-id (a retry or a
  // replay carries the same), the last ones accepted listed at GET /webhooks.
  const accepted: { id: string; type: string; timestamp: string; receivedAt: string; data: unknown }[] = [];
  app.post('/webhooks', express.raw({ type: () => true, limit: '64kb' }), (req, res) => {
    if (!options.webhookSecret) return void res.status(404).json({ error: 'webhooks_not_configured' });
    try {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const { id, payload } = verifyWebhook(options.webhookSecret, req.headers, body);
      if (!accepted.some((event) => event.id === id)) {
        accepted.unshift({
          id,
          type: payload.type,
          timestamp: payload.timestamp,
          receivedAt: new Date().toISOString(),
          data: payload.data,
        });
        accepted.length = Math.min(accepted.length, 50);
      }
      res.status(204).end();
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error;
      res.status(401).json({ error: 'invalid_signature', reason: error.reason });
    }
  });
  app.get('/webhooks', (_req, res) => {
    res.json({ webhooks: accepted });
  });

  app.use((_req, res) => {
    res
      .status(404)
      .json({ errors: [{ code: '00000', title: 'Route inconnue', detail: 'Aucune route ne correspond.' }] });
  });
  return app;
}

export async function startDemoProvider(options: DemoProviderOptions): Promise<RunningDemoProvider> {
  const server = http.createServer(createDemoProviderApp(options));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host === '0.0.0.0' ? 'localhost' : options.host;
  return {
    url: `http://${host}:${port}`,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
