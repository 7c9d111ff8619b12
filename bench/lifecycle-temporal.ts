import type { Client } from '@temporalio/client';

/**
 * What the workflows of a phase cost Temporal, read from their histories once the phase has settled: workflow
 * tasks (each is a round trip server → worker → server), activity tasks, and local activities (a marker each).
 */
export interface HistoryCounts {
  workflowTasks: number;
  activitiesScheduled: number;
  activitiesCompleted: number;
  localActivities: number;
  events: number;
}

const emptyHistory = (): HistoryCounts => ({
  workflowTasks: 0,
  activitiesScheduled: 0,
  activitiesCompleted: 0,
  localActivities: 0,
  events: 0,
});

function add(total: HistoryCounts, counts: HistoryCounts): void {
  total.workflowTasks += counts.workflowTasks;
  total.activitiesScheduled += counts.activitiesScheduled;
  total.activitiesCompleted += counts.activitiesCompleted;
  total.localActivities += counts.localActivities;
  total.events += counts.events;
}

export async function countHistory(
  client: Client,
  workflowId: string,
  runId?: string,
): Promise<HistoryCounts> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const counts = emptyHistory();
  // Event attributes are matched by presence rather than by event type number: the same on every SDK version.
  for (const event of history.events ?? []) {
    counts.events += 1;
    if (event.workflowTaskCompletedEventAttributes) counts.workflowTasks += 1;
    if (event.activityTaskScheduledEventAttributes) counts.activitiesScheduled += 1;
    if (event.activityTaskCompletedEventAttributes) counts.activitiesCompleted += 1;
    if (event.markerRecordedEventAttributes?.markerName === 'core_local_activity')
      counts.localActivities += 1;
  }
  return counts;
}

async function inBatches<T, R>(items: T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += size)
    results.push(...(await Promise.all(items.slice(start, start + size).map(work))));
  return results;
}

export interface PhaseWorkflowCosts {
  /** Per lifecycle, averaged over the phase's request workflows (`request-<id>`). */
  requestWorkflow: {
    workflowTasks: number;
    activitiesScheduled: number;
    activitiesCompleted: number;
    localActivities: number;
    historyEvents: number;
  };
  /** Workflows started on the task queue during the phase, other than request workflows, per lifecycle. */
  otherWorkflowsStarted: number;
  otherWorkflowTasks: number;
  otherActivitiesScheduled: number;
  otherActivitiesCompleted: number;
  otherLocalActivities: number;
  /** The same, by workflow type, as totals over the phase. */
  otherByType: Record<string, { started: number; workflowTasks: number; activitiesCompleted: number }>;
  /** How the other workflows were found. */
  listedWith: string;
}

const per = (value: number, lifecycles: number) => Math.round((value / lifecycles) * 100) / 100;

/**
 * The Temporal cost of a phase: the request workflows it created, by id, and every other workflow started on
 * the task queue between `from` and `to` (email deliveries, token lifecycles, credential issuances), listed
 * through the server's visibility store.
 */
export async function phaseWorkflowCosts(
  client: Client,
  taskQueue: string,
  requestWorkflowIds: string[],
  from: Date,
  to: Date,
): Promise<PhaseWorkflowCosts> {
  const lifecycles = Math.max(1, requestWorkflowIds.length);
  const requestTotals = emptyHistory();
  for (const counts of await inBatches(requestWorkflowIds, 16, (id) => countHistory(client, id)))
    add(requestTotals, counts);

  const requestIds = new Set(requestWorkflowIds);
  const others: { workflowId: string; runId: string; type: string }[] = [];
  let listedWith = `TaskQueue="${taskQueue}"`;
  const collect = async (query: string | undefined) => {
    for await (const info of client.workflow.list(query === undefined ? {} : { query })) {
      if (info.taskQueue !== taskQueue || requestIds.has(info.workflowId)) continue;
      if (info.startTime < from || info.startTime > to) continue;
      others.push({ workflowId: info.workflowId, runId: info.runId, type: info.type });
    }
  };
  try {
    await collect(listedWith);
  } catch {
    // A visibility store without that search attribute: list everything and filter here.
    others.length = 0;
    listedWith = 'every workflow of the namespace, filtered by task queue and start time';
    await collect(undefined);
  }

  const otherTotals = emptyHistory();
  const otherByType: PhaseWorkflowCosts['otherByType'] = {};
  const histories = await inBatches(others, 16, async (other) => ({
    type: other.type,
    counts: await countHistory(client, other.workflowId, other.runId),
  }));
  for (const { type, counts } of histories) {
    add(otherTotals, counts);
    const entry = (otherByType[type] ??= { started: 0, workflowTasks: 0, activitiesCompleted: 0 });
    entry.started += 1;
    entry.workflowTasks += counts.workflowTasks;
    entry.activitiesCompleted += counts.activitiesCompleted;
  }

  return {
    requestWorkflow: {
      workflowTasks: per(requestTotals.workflowTasks, lifecycles),
      activitiesScheduled: per(requestTotals.activitiesScheduled, lifecycles),
      activitiesCompleted: per(requestTotals.activitiesCompleted, lifecycles),
      localActivities: per(requestTotals.localActivities, lifecycles),
      historyEvents: per(requestTotals.events, lifecycles),
    },
    otherWorkflowsStarted: per(others.length, lifecycles),
    otherWorkflowTasks: per(otherTotals.workflowTasks, lifecycles),
    otherActivitiesScheduled: per(otherTotals.activitiesScheduled, lifecycles),
    otherActivitiesCompleted: per(otherTotals.activitiesCompleted, lifecycles),
    otherLocalActivities: per(otherTotals.localActivities, lifecycles),
    otherByType,
    listedWith,
  };
}
