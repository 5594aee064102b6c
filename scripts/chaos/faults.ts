// The faults, on a schedule spread over the traffic (seeded jitter, never overlapping: each one finishes —
// the part is back and ready — before the next starts), printed as they happen.
import { rng } from './traffic.js';
import type { ChaosStack } from './stack.js';

export type FaultKind = 'kill-worker' | 'restart-temporal' | 'restart-postgres';

export interface FaultPlan {
  workerKills: number;
  temporalRestarts: number;
  postgresRestarts: number;
}

export interface ScheduledFault {
  kind: FaultKind;
  atMs: number;
}

export interface FaultEvent {
  kind: FaultKind;
  startedAt: number;
  /** Until the part was back and ready (the worker polling, Temporal answering gRPC, Postgres accepting). */
  endedAt: number;
  detail: string;
}

/** How long each part stays down: "restart it after a second or two". */
export const DOWN_MS = { 'kill-worker': 1_500, 'restart-temporal': 2_000, 'restart-postgres': 2_000 } as const;

/**
 * Interleaves the kinds (worker, temporal, postgres, worker, …) over 10–80 % of the traffic span, one slot
 * each, with ±20 % of a slot of seeded jitter.
 */
export function faultSchedule(plan: FaultPlan, durationMs: number, seed: number): ScheduledFault[] {
  const queues: FaultKind[][] = [
    Array<FaultKind>(plan.workerKills).fill('kill-worker'),
    Array<FaultKind>(plan.temporalRestarts).fill('restart-temporal'),
    Array<FaultKind>(plan.postgresRestarts).fill('restart-postgres'),
  ];
  const order: FaultKind[] = [];
  while (queues.some((q) => q.length > 0)) for (const q of queues) if (q.length > 0) order.push(q.shift()!);
  // Default plan: kill, Temporal, Postgres, kill (the second kill lands while replies catch up).
  const next = rng(seed ^ 0x5eed);
  const slot = (0.7 * durationMs) / Math.max(1, order.length);
  return order.map((kind, i) => ({ kind, atMs: Math.round(0.1 * durationMs + slot * (i + 0.5) + (next() - 0.5) * 0.4 * slot) }));
}

/** Runs the schedule against the stack; `clock` is ms since traffic start. */
export async function runFaults(
  schedule: readonly ScheduledFault[],
  stack: ChaosStack,
  clock: () => number,
  log: (line: string) => void,
): Promise<FaultEvent[]> {
  const events: FaultEvent[] = [];
  for (const fault of schedule) {
    const wait = fault.atMs - clock();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const startedAt = clock();
    let detail: string;
    switch (fault.kind) {
      case 'kill-worker': {
        const pid = await stack.worker.kill9();
        log(`fault: kill -9 worker (pid ${pid})`);
        await new Promise((r) => setTimeout(r, DOWN_MS['kill-worker']));
        const readyMs = await stack.worker.start();
        detail = `worker pid ${pid} killed; pid ${stack.worker.pid} started ${DOWN_MS['kill-worker'] / 1000} s later, polling after ${(readyMs / 1000).toFixed(1)} s`;
        break;
      }
      case 'restart-temporal': {
        log('fault: stopping the Temporal dev server');
        const { stoppedMs, startedMs } = await stack.temporalRestart(DOWN_MS['restart-temporal']);
        detail = `Temporal stopped in ${(stoppedMs / 1000).toFixed(1)} s, down ${DOWN_MS['restart-temporal'] / 1000} s, answering gRPC ${(startedMs / 1000).toFixed(1)} s after its start (same port, same SQLite file)`;
        break;
      }
      case 'restart-postgres': {
        log('fault: stopping Postgres');
        const { stoppedMs, startedMs } = await stack.postgresRestart(DOWN_MS['restart-postgres']);
        detail = `Postgres stopped in ${(stoppedMs / 1000).toFixed(1)} s, down ${DOWN_MS['restart-postgres'] / 1000} s, accepting ${(startedMs / 1000).toFixed(1)} s after its start (same port, same data dir)`;
        break;
      }
    }
    const endedAt = clock();
    log(`fault done (${((endedAt - startedAt) / 1000).toFixed(1)} s): ${detail}`);
    events.push({ kind: fault.kind, startedAt, endedAt, detail });
  }
  return events;
}
