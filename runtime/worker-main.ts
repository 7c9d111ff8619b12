import { requireExternalServices } from './config.ts';
import { boot, loadConfigOrExit, migrateDatabase, provideDirectory } from './boot.ts';
import { openServices } from './services.ts';
import { loadWorkflowBundle, startWorker } from './worker.ts';

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
  const worker = await startWorker(services, await loadWorkflowBundle(config.temporal.workflowBundlePath));
  started.push({ name: 'worker', stop: worker.stop });
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
