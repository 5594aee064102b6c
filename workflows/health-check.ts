import { ActivityFailure, patched, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { HealthProbeActivities } from '../activities/health-probes.js';
import type { HealthStoreActivities } from '../activities/health-store.js';
import type { HealthTextfileActivities } from '../activities/health-textfile.js';
import type { AlertActivities } from '../activities/alerts.js';
import { summarize, type ComponentStatus, type HealthCheckResult } from '../lib/health/types.js';
import type { HealthCheckInput } from './contracts/health-check.js';
import { failureReason } from './failure-reason.js';

const DEFAULT_RECHECK_AFTER_MS = 2 * 60_000;

// A probe answers "down" itself when its target fails; the timeout only bounds a probe that hangs.
const { listHealthComponents, probeComponent } = proxyActivities<HealthProbeActivities>({
  startToCloseTimeout: '20 seconds',
  retry: { maximumAttempts: 1 },
});

// Bookkeeping and alerting must happen even when a dependency is flaky: retry them patiently.
const bookkeeping = {
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
} as const;
const { recordHealthCheckStarted, recordHealthCheckFinished } = proxyActivities<HealthStoreActivities>(bookkeeping);
const { writeHealthTextfile } = proxyActivities<HealthTextfileActivities>(bookkeeping);

/** Runs started before the textfile exporter existed replay without its step (README "Changing a workflow safely"). */
export const HEALTH_TEXTFILE_PATCH = 'health-textfile';
const { sendAlert } = proxyActivities<AlertActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '5 seconds', maximumInterval: '1 minute', maximumAttempts: 5 },
});

/** Probes the database, Temporal and each provider; records the run; alerts when something stays down. */
export async function healthCheckWorkflow(input: HealthCheckInput): Promise<HealthCheckResult> {
  const { workflowId, runId } = workflowInfo();
  const recheckAfterMs = input.recheckAfterMs ?? DEFAULT_RECHECK_AFTER_MS;

  await recordHealthCheckStarted({ workflowId, runId, trigger: input.trigger });

  const names = await listHealthComponents();
  let components = await probeAll(names);

  const failing = components.filter((c) => c.status === 'down').map((c) => c.name);
  if (failing.length > 0 && recheckAfterMs > 0) {
    await sleep(recheckAfterMs);
    const rechecked = await probeAll(failing);
    components = components.map((c) => rechecked.find((r) => r.name === c.name) ?? c);
  }

  const result: HealthCheckResult = { status: summarize(components), components };
  await recordHealthCheckFinished({ workflowId, runId, result });
  // For hosts that scrape node_exporter's textfile collector (a no-op without HEALTH_TEXTFILE_DIR).
  if (patched(HEALTH_TEXTFILE_PATCH)) await writeHealthTextfile({ result, trigger: input.trigger });

  if (result.status === 'failed') {
    const down = components.filter((c) => c.status === 'down');
    await sendAlert({
      dedupeKey: `health-check:${workflowId}`,
      severity: 'critical',
      title: `Health check failed: ${down.map((c) => c.name).join(', ')} down`,
      details: down.map((c) => `${c.name}: ${c.detail ?? 'no detail'}`).join('\n'),
    });
  }
  return result;
}

async function probeAll(names: readonly string[]): Promise<ComponentStatus[]> {
  return Promise.all(names.map((name) => probeOrDown(name)));
}

/** A probe activity that itself timed out is as good as the component being down. */
async function probeOrDown(name: string): Promise<ComponentStatus> {
  try {
    return await probeComponent(name);
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    return { name, status: 'down', latencyMs: null, detail: `probe failed: ${failureReason(err)}` };
  }
}
