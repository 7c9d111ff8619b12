import { requireExternalServices } from './config.ts';
import { boot, loadConfigOrExit, migrateDatabase, provideDirectory } from './boot.ts';
import { renderMetrics } from '../http/metrics.ts';
import { startMetricsServer } from './http-server.ts';
import { openServices } from './services.ts';
import { installTemporalRuntime, loadWorkflowBundle, startWorker } from './worker.ts';

/** `npm run start:worker`: a stateless Temporal worker; run as many as needed on the same task queue. */
const config = loadConfigOrExit(requireExternalServices);

await boot(config, 'sesame-worker', async (logger, started) => {
  const databaseUrl = config.database.url!;
  await migrateDatabase(databaseUrl, logger);
  const services = openServices(config, {
    databaseUrl,
    temporalAddress: config.temporal.address!,
    directoryUrl: await provideDirectory(config, logger, started, { standIn: false }),
    logger,
    applicationName: 'sesame-worker',
  });
  started.push({ name: 'services', stop: services.close });
  // METRICS_PORT: Node's metrics and the Temporal SDK's on one endpoint; without it, no listener at all.
  const temporalMetrics =
    config.metrics.port === undefined ? undefined : await installTemporalRuntime(logger, { metrics: true });
  const worker = await startWorker(services, await loadWorkflowBundle(config.temporal.workflowBundlePath));
  started.push({ name: 'worker', stop: worker.stop });
  if (temporalMetrics) {
    const metrics = await startMetricsServer(config, () => renderMetrics([temporalMetrics]), logger);
    started.push({ name: 'metrics', stop: metrics.stop });
    logger.info({ url: `${metrics.url}/metrics` }, 'metrics served');
  }
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
