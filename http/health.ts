import type { Client } from '@temporalio/client';
import { Router } from 'express';
import { isDatabaseReachable, type Db } from '../store/pool.ts';

const PROBE_TIMEOUT_MS = 2_000;

async function isTemporalReachable(client: Client, namespace: string): Promise<boolean> {
  try {
    await client.connection.withDeadline(Date.now() + PROBE_TIMEOUT_MS, () =>
      client.connection.workflowService.describeNamespace({ namespace }),
    );
    return true;
  } catch {
    return false;
  }
}

/**
 * `/healthz` says the process is alive (for restarts); `/readyz` says it can serve (for load balancers):
 * Postgres and Temporal both answer.
 */
export function healthRouter(deps: { db: Db; temporal: { client: Client } }): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const [postgres, temporal] = await Promise.all([
      isDatabaseReachable(deps.db, PROBE_TIMEOUT_MS),
      isTemporalReachable(deps.temporal.client, deps.temporal.client.options.namespace),
    ]);
    const ready = postgres && temporal;
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ok' : 'unavailable',
      checks: { postgres: postgres ? 'ok' : 'unreachable', temporal: temporal ? 'ok' : 'unreachable' },
    });
  });
  return router;
}
