import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { scheduleIds } from '../lib/temporal/names.js';
import { healthCheckWorkflowType, type HealthCheckInput } from '../workflows/contracts/health-check.js';

/**
 * Creates the recurring schedules if they do not exist yet. Every worker calls it at start-up;
 * the schedule id makes the second and later calls no-ops.
 */
export async function ensureSchedules(client: Client, taskQueue: string): Promise<void> {
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
}
