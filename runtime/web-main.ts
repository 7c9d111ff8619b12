import { requireExternalServices } from './config.ts';
import { boot, loadConfigOrExit, migrateDatabase, provideDirectory, seedDemoData } from './boot.ts';
import { startHttpServer } from './http-server.ts';
import { openServices } from './services.ts';

/** `npm run start:web`: a stateless web/API process; run as many as needed behind a load balancer. */
const config = loadConfigOrExit(requireExternalServices);

await boot(config, 'sesame-web', async (logger, started) => {
  const databaseUrl = config.database.url!;
  await migrateDatabase(databaseUrl, logger);
  const services = openServices(config, {
    databaseUrl,
    temporalAddress: config.temporal.address!,
    directoryUrl: await provideDirectory(config, logger, started, { standIn: false }),
    logger,
    applicationName: 'sesame-web',
  });
  started.push({ name: 'services', stop: services.close });
  await seedDemoData(services);
  const http = await startHttpServer(services);
  started.push({ name: 'http', stop: http.stop });
  logger.info(
    {
      url: http.url,
      publicUrl: config.http.publicUrl.toString(),
      metrics: http.metricsUrl ? `${http.metricsUrl}/metrics` : config.metrics.public ? 'on PORT' : 'off',
    },
    'web process ready',
  );
  return {};
});
