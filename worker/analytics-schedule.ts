import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import { scheduleIds } from '../lib/temporal/names.js';
import { analyticsRefreshWorkflowType, type AnalyticsRefreshInput } from '../workflows/contracts/analytics-refresh.js';

/**
 * The analytics refresh's Temporal Schedule: every `everySeconds` (ANALYTICS_REFRESH_INTERVAL_SECONDS), one run
 * at a time (overlap SKIP: a run still working through a backlog makes the next ones skip rather than queue),
 * missed runs not made up (catch-up window of one interval: the next run counts whatever they would have).
 */
export function analyticsRefreshSchedule(taskQueue: string, everySeconds: number): ScheduleOptions {
  return {
    scheduleId: scheduleIds.analyticsRefresh,
    spec: { intervals: [{ every: `${everySeconds} seconds` }] },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: `${Math.max(everySeconds, 60)} seconds` },
    action: {
      type: 'startWorkflow',
      workflowType: analyticsRefreshWorkflowType,
      workflowId: 'analytics-refresh:scheduled',
      taskQueue,
      args: [{} satisfies AnalyticsRefreshInput],
    },
    state: { note: `Every ${everySeconds} s: new analytics events into the hourly rollups (ANALYTICS_REFRESH_INTERVAL_SECONDS).` },
  };
}

/** Creates the schedule, or brings an existing one to the configured interval (and task queue). */
export async function ensureAnalyticsRefreshSchedule(client: Client, taskQueue: string, everySeconds: number): Promise<void> {
  const wanted = analyticsRefreshSchedule(taskQueue, everySeconds);
  try {
    await client.schedule.create(wanted);
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    const handle = client.schedule.getHandle(wanted.scheduleId);
    const current = await handle.describe();
    const interval = current.spec.intervals?.[0]?.every;
    const queue = current.action.type === 'startWorkflow' ? current.action.taskQueue : null;
    if (interval === everySeconds * 1000 && queue === taskQueue && current.policies.overlap === ScheduleOverlapPolicy.SKIP) return;
    await handle.update((previous) => ({ ...previous, spec: wanted.spec, policies: { ...previous.policies, ...wanted.policies }, action: { ...previous.action, taskQueue } }));
  }
}
