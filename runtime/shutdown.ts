import type { Logger } from 'pino';

export interface Stoppable {
  name: string;
  stop(): Promise<void>;
}

/** Stops components in the reverse order of their start; a failing one does not keep the others running. */
export async function stopAll(components: Stoppable[], logger: Logger): Promise<boolean> {
  let clean = true;
  for (const component of [...components].reverse()) {
    try {
      await component.stop();
      logger.debug({ component: component.name }, 'stopped');
    } catch (error) {
      clean = false;
      logger.error({ err: error, component: component.name }, 'failed to stop cleanly');
    }
  }
  return clean;
}

/**
 * On SIGINT or SIGTERM, stops everything within `timeoutMs`, then exits; past the limit, or on a second signal,
 * exits at once. Returns a trigger for shutting down on internal failure (the worker dying).
 */
export function handleShutdown(components: Stoppable[], logger: Logger, timeoutMs: number) {
  let shutdownStartedAt: number | undefined;
  const shutdown = async (reason: string, exitCode: number) => {
    if (shutdownStartedAt !== undefined) {
      // npm and the terminal often deliver the same Ctrl-C twice within milliseconds: only a deliberate
      // second request forces the exit.
      if (Date.now() - shutdownStartedAt < 2_000) return;
      logger.warn('second stop request: exiting now');
      process.exit(1);
    }
    shutdownStartedAt = Date.now();
    logger.info({ reason }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown took too long: exiting');
      process.exit(1);
    }, timeoutMs);
    const clean = await stopAll(components, logger);
    clearTimeout(timer);
    logger.info('stopped');
    process.exit(clean ? exitCode : 1);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => void shutdown(signal, 0));
  }
  return (reason: string) => void shutdown(reason, 1);
}
