import { DEFAULT_DEMO_PASSWORD } from './demo-data.ts';
import {
  boot,
  loadConfigOrExit,
  migrateDatabase,
  provideDatabase,
  provideDirectory,
  provideTemporal,
  seedDemoData,
} from './boot.ts';
import { DEMO_PROVIDER_DEFINITION, ensureDemoProviderCredentials } from '../app/provider-credentials.ts';
import { demoWebhookSecret, ensureWebhookEndpoint } from '../app/webhooks.ts';
import { startDemoProvider } from '../demo-provider/server.ts';
import { startHttpServer } from './http-server.ts';
import { provideLocalIdentityProvider } from './proconnect.ts';
import { openServices } from './services.ts';
import { installTemporalRuntime, loadWorkflowBundle, startWorker } from './worker.ts';

/**
 * `npm start`: the whole platform in one process tree, with embedded defaults for whatever is not configured
 * (Postgres when DATABASE_URL is unset, a Temporal dev server when TEMPORAL_ADDRESS is unset, a local identity
 * provider in place of ProConnect when PROCONNECT_DISCOVERY_URL is unset).
 */
const config = loadConfigOrExit();

await boot(config, 'sesame', async (logger, started) => {
  const databaseUrl = await provideDatabase(config, logger, started);
  const temporal = await provideTemporal(config, logger, started);
  const directoryUrl = await provideDirectory(config, logger, started, { standIn: true });
  const localIdentityProvider = await provideLocalIdentityProvider(config, logger, started);
  await migrateDatabase(databaseUrl, logger);

  const services = openServices(config, {
    databaseUrl,
    temporalAddress: temporal.address,
    directoryUrl,
    logger,
    applicationName: 'sesame',
    proconnect: localIdentityProvider?.settings,
  });
  started.push({ name: 'services', stop: services.close });
  const demo = await seedDemoData(services);

  // One process, one scrape: the worker's Temporal SDK metrics join the web app's wherever /metrics is served.
  const temporalMetrics =
    config.metrics.public || config.metrics.port !== undefined
      ? await installTemporalRuntime(logger, { metrics: true })
      : undefined;
  const worker = await startWorker(services, await loadWorkflowBundle(config.temporal.workflowBundlePath));
  started.push({ name: 'worker', stop: worker.stop });
  const http = await startHttpServer(services, { metricsSources: temporalMetrics ? [temporalMetrics] : [] });
  started.push({ name: 'http', stop: http.stop });
  // The demo provider API checks tokens through this platform's introspection, with credentials of its own.
  // It also receives API Entreprise's webhooks, verified with @sesame/verify, and lists them at /webhooks.
  const webhookSecret = demoWebhookSecret(services.keys.demoProvider);
  const demoProvider =
    config.env === 'production'
      ? undefined
      : await startDemoProvider({
          ...(await ensureDemoProviderCredentials(services, services.keys.demoProvider)),
          introspectionUrl: new URL('/api/v1/introspect', http.url).toString(),
          host: config.http.host,
          port: config.demoProviderPort,
          webhookSecret,
        });
  if (demoProvider) started.push({ name: 'demo provider', stop: demoProvider.stop });
  if (demoProvider && config.webhooks.allowLocalHttp)
    await ensureWebhookEndpoint(services, {
      definition: DEMO_PROVIDER_DEFINITION,
      url: `${demoProvider.url}/webhooks`,
      secret: webhookSecret,
    });

  const lines = [
    '',
    `  Sésame is running: ${config.http.publicUrl.toString()}`,
    `  (listening on ${http.url})`,
  ];
  if (config.metrics.public || http.metricsUrl)
    lines.push(`  Metrics: ${new URL('/metrics', http.metricsUrl ?? http.url).toString()}`);
  if (temporal.devServer?.uiUrl) lines.push(`  Temporal UI: ${temporal.devServer.uiUrl}`);
  if (demoProvider)
    lines.push(
      `  Demo provider API (API Entreprise, checks Sésame tokens): ${demoProvider.url}/v3/insee/sirene/etablissements/<siret>`,
      `  Webhooks it received from Sésame: ${demoProvider.url}/webhooks`,
    );
  if (localIdentityProvider)
    lines.push(
      `  Local identity provider (stands in for ProConnect, test agents): ${localIdentityProvider.url}`,
    );
  if (config.mail.smtpUrl === undefined && config.env !== 'production') {
    lines.push(`  Development mailbox: ${new URL('/dev/mails', config.http.publicUrl).toString()}`);
  }
  if (demo) {
    const hint = demo.password === DEFAULT_DEMO_PASSWORD ? ' (default; set DEMO_PASSWORD to change it)' : '';
    lines.push(
      '',
      `  Demo accounts, password "${demo.password}"${hint}:`,
      ...demo.emails.map((email) => `    - ${email}`),
    );
  }
  console.log(`${lines.join('\n')}\n`);

  return {
    onFailure: (fail) =>
      void worker.done.then(
        () => fail('worker stopped'),
        (error: unknown) => {
          logger.fatal({ err: error }, 'worker failed');
          fail('worker failed');
        },
      ),
  };
});
