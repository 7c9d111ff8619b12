import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WorkflowIdConflictPolicy } from '@temporalio/common';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  type WorkflowBundleOption,
} from '@temporalio/worker';
import type { Logger } from 'pino';
import { createActivities } from '../activities/index.ts';
import { WORKFLOW_TASK_TIMEOUT_MS } from '../app/temporal.ts';
import type { MetricsSource } from '../http/metrics.ts';
import { createMailTransport } from '../mail/transport.ts';
import type { housekeeping } from '../workflows/housekeeping.ts';
import type { outboxRelay } from '../workflows/mail-delivery.ts';
import type { webhookRelay } from '../workflows/webhook-delivery.ts';
import { temporalConnectionOptions, type Services } from './services.ts';
import { freePort } from './temporal-dev-server.ts';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/**
 * Where `npm run build` writes the workflow bundle: beside this module once compiled (dist/workflows/), so the
 * compiled worker finds it without a setting. Run from the sources, there is none and the worker bundles.
 */
export const PREBUILT_WORKFLOW_BUNDLE = fileURLToPath(new URL('../workflows/bundle.js', import.meta.url));

/** Where the SDK's Prometheus exporter listens, once the runtime is installed (undefined: no exporter). */
let runtimeInstallation: Promise<string | undefined> | undefined;

/**
 * The SDK's runtime, once per process (it is a singleton): its own logs (worker state, retries) through pino,
 * and with `metrics` its Prometheus exporter. The exporter needs a port of its own: it gets a loopback one, and
 * the process's metrics listener (METRICS_PORT) reads it at each scrape and serves its text after Node's, so
 * that Prometheus scrapes one endpoint per process. Returns that text's source, or undefined without metrics
 * (also when an earlier call installed the runtime without them: tests run several workers in one process).
 */
export async function installTemporalRuntime(
  logger: Logger,
  options: { metrics: boolean },
): Promise<MetricsSource | undefined> {
  runtimeInstallation ??= (async () => {
    const address = options.metrics ? `127.0.0.1:${await freePort()}` : undefined;
    Runtime.install({
      // The process's own shutdown (runtime/shutdown.ts) stops the worker in its order and decides the exit
      // code; the SDK's handlers would stop the worker on the same signal behind its back (and, before boot
      // installed its handlers, make a stopped start-up look like a failure).
      shutdownSignals: [],
      logger: new DefaultLogger('WARN', (entry) => {
        const level = entry.level === 'ERROR' ? 'error' : 'warn';
        logger[level]({ ...entry.meta, component: 'temporal-sdk' }, entry.message);
      }),
      // Prometheus's conventions (seconds, unit suffixes, _total), like the rest of the scrape.
      telemetryOptions: address
        ? {
            metrics: {
              prometheus: {
                bindAddress: address,
                useSecondsForDurations: true,
                unitSuffix: true,
                countersTotalSuffix: true,
              },
            },
          }
        : undefined,
    });
    return address;
  })();
  const address = await runtimeInstallation;
  if (options.metrics && address === undefined)
    logger.warn(
      'the Temporal runtime was installed without metrics earlier in this process: they are left out',
    );
  return address === undefined ? undefined : () => temporalMetricsText(address, logger);
}

async function temporalMetricsText(address: string, logger: Logger): Promise<string> {
  try {
    const response = await fetch(`http://${address}/metrics`, { signal: AbortSignal.timeout(2_000) });
    if (!response.ok) throw new Error(`the SDK's exporter answered ${response.status}`);
    return await response.text();
  } catch (error) {
    // The rest of the scrape still describes the process; the SDK's series go missing, which alerts on them see.
    logger.warn({ err: error }, 'metrics: the Temporal SDK exporter did not answer, left out of this scrape');
    return '';
  }
}

/**
 * Workflow code runs in Temporal's sandbox from one webpack bundle: WORKFLOW_BUNDLE_PATH when set, the one
 * `npm run build` prebuilt when running compiled, otherwise built once per process (a few seconds).
 */
export async function loadWorkflowBundle(bundlePath: string | undefined): Promise<WorkflowBundleOption> {
  if (bundlePath !== undefined) return { codePath: bundlePath };
  if (existsSync(PREBUILT_WORKFLOW_BUNDLE)) return { codePath: PREBUILT_WORKFLOW_BUNDLE };
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') });
}

async function connectWorker(services: Services, logger: Logger): Promise<NativeConnection> {
  const options = temporalConnectionOptions(services.config, services.temporalAddress);
  for (let attempt = 1; ; attempt++) {
    try {
      return await NativeConnection.connect(options);
    } catch (error) {
      if (attempt >= 30) throw error;
      logger.warn({ attempt, address: options.address }, 'Temporal is not reachable yet, retrying');
      await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 500 * attempt)));
    }
  }
}

/** The long-running workflows every deployment has exactly one of, per task queue. */
async function ensureSingletonWorkflows(services: Services): Promise<void> {
  const { client, taskQueue } = services.temporal;
  const common = {
    taskQueue,
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    workflowTaskTimeout: WORKFLOW_TASK_TIMEOUT_MS,
  } as const;
  await client.workflow.start<typeof outboxRelay>('outboxRelay', {
    ...common,
    workflowId: `${taskQueue}:outbox-relay`,
    args: [{ intervalMs: services.config.mail.relayIntervalMs }],
  });
  await client.workflow.start<typeof webhookRelay>('webhookRelay', {
    ...common,
    workflowId: `${taskQueue}:webhook-relay`,
    args: [{ intervalMs: services.config.webhooks.relayIntervalMs }],
  });
  await client.workflow.start<typeof housekeeping>('housekeeping', {
    ...common,
    workflowId: `${taskQueue}:housekeeping`,
    args: [{ intervalMs: services.config.housekeepingIntervalMs }],
  });
}

export interface RunningWorker {
  /** Settles when the worker stops; rejects if it fails. */
  done: Promise<void>;
  stop(): Promise<void>;
}

export async function startWorker(services: Services, bundle: WorkflowBundleOption): Promise<RunningWorker> {
  const logger = services.logger.child({ component: 'worker' });
  await installTemporalRuntime(logger, { metrics: false });
  const { config } = services;
  const connection = await connectWorker(services, logger);
  const transport = createMailTransport({
    smtpUrl: config.mail.smtpUrl,
    from: config.mail.from,
    timeoutMs: config.mail.sendTimeoutMs,
  });
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    workflowBundle: bundle,
    activities: createActivities({
      db: services.db,
      transport,
      mailer: services.mailer,
      sealingKey: services.keys.sealedSecrets,
      messageIdDomain: config.http.publicUrl.hostname,
      publicUrl: config.http.publicUrl,
      definitions: config.definitions,
      directory: services.directory,
      credentials: services.credentials,
      webhooks: services.webhooks,
      webhookSettings: config.webhooks,
      logger: logger.child({ component: 'activities' }),
    }),
    shutdownGraceTime: '10s',
    // The workflows this worker has cached are given their next task on its own (sticky) queue first; a worker
    // that died without saying so (SIGKILL) leaves them waiting there this long before any live worker may take
    // them (the SDK's default, 10 s, made a command caught by a kill answer 503 — issue 12). A live worker starts
    // its sticky tasks within milliseconds (its pollers run outside Node's event loop): a longer wait means it
    // is gone, and another worker replaying the history is the cheaper outcome.
    stickyQueueScheduleToStartTimeout: '2s',
  });
  const done = worker.run();
  await ensureSingletonWorkflows(services);
  logger.info({ taskQueue: config.temporal.taskQueue, mail: transport.kind }, 'worker started');

  return {
    done,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done.catch(() => undefined);
      transport.close();
      await connection.close();
    },
  };
}
