import { Client, Connection } from '@temporalio/client';
import type { Logger } from 'pino';
import type { AppDeps } from '../app/deps.ts';
import { createIntrospection } from '../app/introspection.ts';
import { createStatistics } from '../app/statistics.ts';
import { createProConnectClient, type ProConnectSettings } from '../app/proconnect-client.ts';
import { createDirectoryClient } from '../directory/client.ts';
import { createMailer, type Mailer } from '../mail/mailer.ts';
import { createMailRenderer } from '../mail/renderer.ts';
import { deriveKeys, type Keys } from '../security/keys.ts';
import { createPool, type Db } from '../store/pool.ts';
import type { Config } from './config.ts';
import { createCredentialLifecycles } from './credential-lifecycles.ts';
import { PROCONNECT_CALLBACK_PATH, PROCONNECT_LOGOUT_CALLBACK_PATH } from '../domain/proconnect.ts';
import { createEmailDeliveries } from './email-deliveries.ts';
import { createWebhookOutbox } from '../app/webhook-outbox.ts';
import { createProviderAuthentication } from '../app/provider-authentication.ts';
import { createWebhookDeliveries } from './webhook-deliveries.ts';

/** Everything a web or worker process shares, built from the configuration and the addresses in use. */
export interface Services extends AppDeps {
  config: Config;
  keys: Keys;
  temporalAddress: string;
  close(): Promise<void>;
}

export function temporalConnectionOptions(config: Config, address: string) {
  return {
    address,
    tls: config.temporal.tls ? true : undefined,
    apiKey: config.temporal.apiKey,
  };
}

export function openServices(
  config: Config,
  options: {
    databaseUrl: string;
    temporalAddress: string;
    directoryUrl: string;
    logger: Logger;
    applicationName: string;
    /** ProConnect's settings when the configuration has none (`npm start`'s local identity provider). */
    proconnect?: ProConnectSettings;
  },
): Services {
  const { logger } = options;
  const db: Db = createPool({
    url: options.databaseUrl,
    max: config.database.poolSize,
    applicationName: options.applicationName,
  });
  // Lazy: a web process starts (and says "not ready" on /readyz) even while Temporal is unreachable.
  const connection = Connection.lazy(temporalConnectionOptions(config, options.temporalAddress));
  const client = new Client({ connection, namespace: config.temporal.namespace });
  const temporal = {
    client,
    taskQueue: config.temporal.taskQueue,
    callTimeoutMs: config.temporal.callTimeoutMs,
  };
  const keys = deriveKeys(config.appSecret);
  const mailer: Mailer = createMailer({
    db,
    renderer: createMailRenderer({ publicUrl: config.http.publicUrl }),
    sealingKey: keys.sealedSecrets,
    deliveries: createEmailDeliveries(temporal, config),
    logger,
  });
  const directory = createDirectoryClient({
    baseUrl: options.directoryUrl,
    timeoutMs: config.directory.timeoutMs,
    retries: config.directory.retries,
  });
  const credentials = {
    settings: config.credentials,
    definitions: config.definitions,
    tokenSealingKey: keys.sealedTokens,
    downloadKey: keys.credentialDownloads,
    lifecycles: createCredentialLifecycles(temporal, config.credentials, config.activityTimeoutMs),
  };
  const webhooks = createWebhookOutbox({
    db,
    deliveries: createWebhookDeliveries(temporal, config.webhooks),
    definitions: config.definitions,
    logger: logger.child({ component: 'webhooks' }),
  });
  const providers = createProviderAuthentication({ db });
  const introspection = createIntrospection({
    providers,
    db,
    definitions: config.definitions,
    settings: config.credentials,
    logger: logger.child({ component: 'introspection' }),
  });
  const proconnectSettings: ProConnectSettings | undefined = config.proconnect
    ? {
        ...config.proconnect,
        // Only outside production: the configuration refuses an http discovery URL there.
        allowInsecureRequests: config.proconnect.discoveryUrl.protocol === 'http:',
      }
    : options.proconnect;
  const proconnect =
    proconnectSettings &&
    createProConnectClient(proconnectSettings, {
      redirectUri: new URL(PROCONNECT_CALLBACK_PATH, config.http.publicUrl).toString(),
      postLogoutRedirectUri: new URL(PROCONNECT_LOGOUT_CALLBACK_PATH, config.http.publicUrl).toString(),
      logger: logger.child({ component: 'proconnect' }),
    });
  return {
    config,
    keys,
    proconnect,
    credentials,
    introspection,
    webhooks,
    webhookSettings: config.webhooks,
    providers,
    statistics: createStatistics({ db, definitions: config.definitions }),
    db,
    mailer,
    temporal,
    directory,
    publicUrl: config.http.publicUrl,
    accounts: config.accounts,
    rateLimits: config.rateLimits,
    activityTimeoutMs: config.activityTimeoutMs,
    definitions: config.definitions,
    requestTimers: config.requestTimers,
    logger,
    sealingKey: keys.sealedSecrets,
    temporalAddress: options.temporalAddress,
    async close() {
      // Last-use times collected since the last flush are written before the pool closes.
      await introspection.stop();
      await connection.close();
      await db.end();
    },
  };
}
