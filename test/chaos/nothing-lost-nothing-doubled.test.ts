// The fault suite (`npm run chaos`, bench/README.md "Fault suite") at test size: its own stack on free
// ports (embedded Postgres and a Temporal dev server with a SQLite file, both restarted; the API and the
// worker as child processes, the worker killed with SIGKILL), 100 messages from 20 customers with
// duplicates and out-of-order deliveries, then every invariant: each message stored once, answered once,
// no reply sent twice, every conversation workflow healthy. Synchronisation is polling with deadlines only.
import { expect, inject, test } from 'vitest';
import { runChaos } from '../../scripts/chaos/run.js';

test('100 messages through a worker kill -9, a Temporal restart and a Postgres restart: nothing lost, nothing doubled', async () => {
  const lines: string[] = [];
  const result = await runChaos({
    customers: 20,
    messagesPerCustomer: 5,
    duplicateRate: 0.1,
    reorderRate: 0.2,
    seed: 7,
    trafficMs: 20_000,
    faults: { workerKills: 1, temporalRestarts: 1, postgresRestarts: 1 },
    drainTimeoutMs: 60_000,
    // The global setup's bundle: webpack once per test run, not once per file.
    workflowBundlePath: inject('workflowBundlePath'),
    progressEveryMs: 10_000,
    log: (line) => lines.push(line),
  });
  console.log([...lines, ...(result.ok ? [result.report] : [])].join('\n'));
  // On failure the message is the report: every broken invariant with its sids (the run's logs and data are kept).
  expect(result.ok, result.report).toBe(true);
  expect(result.counts?.stored).toBe(100);
  expect(result.workflows?.healthy).toBe(20);
}, 115_000);
