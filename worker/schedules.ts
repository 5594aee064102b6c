import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { scheduleIds } from '../lib/temporal/names.js';
import { usageReportWorkflowType, type UsageReportInput } from '../workflows/contracts/billing.js';
import { healthCheckWorkflowType, type HealthCheckInput } from '../workflows/contracts/health-check.js';
import { ensureAnalyticsRefreshSchedule } from './analytics-schedule.js';

/**
 * Creates the recurring schedules if they do not exist yet. Every worker calls it at start-up;
 * the schedule id makes the second and later calls no-ops.
 */
export async function ensureSchedules(client: Client, taskQueue: string, settings: { analyticsRefreshEverySeconds?: number } = {}): Promise<void> {
  await ensureAnalyticsRefreshSchedule(client, taskQueue, settings.analyticsRefreshEverySeconds ?? 60);
  try {
    await client.schedule.create({
      scheduleId: scheduleIds.healthCheckHourly,
      spec: { intervals: [{ every: '1 hour' }] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '10 minutes' },
      action: {
        type: 'startWorkflow',
        workflowType: healthCheckWorkflowType,
        workflowId: 'health-check:scheduled',
        taskQueue,
        args: [{ trigger: 'scheduled' } satisfies HealthCheckInput],
      },
      state: { note: 'Hourly health check: database, Temporal, providers; alerts when a component stays down.', triggerImmediately: true },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  try {
    await client.schedule.create({
      scheduleId: scheduleIds.billingUsageReport,
      spec: { intervals: [{ every: '1 minute' }] },
      // One report at a time (the meter's identifiers would absorb a second, but it would only cost calls).
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
      action: {
        type: 'startWorkflow',
        workflowType: usageReportWorkflowType,
        workflowId: 'billing-usage-report:scheduled',
        taskQueue,
        args: [{} satisfies UsageReportInput],
      },
      state: { note: 'Every minute: AI replies counted since the last run are reported to Stripe’s meter.' },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
}
