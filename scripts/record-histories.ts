// npm run histories:record — re-records test/replay/histories/ from real runs of the REAL workflow bundle
// (the one production bundles) against stand-in activities: Temporal's time-skipping test server for
// everything with timers, and a dev server with a low continue-as-new threshold for the one scenario that
// needs it. Overwrites `<workflowType>-<scenario>.json` per history, leaves other files alone, and prints
// what it wrote. Run it after a deliberate, patched() change, once the OLD histories still replay
// (README "Changing a workflow safely"): re-recording is how the new command sequence becomes the baseline.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { HISTORIES_DIR, historyFileText, workflowTypeOf } from '../test/replay/histories.js';
import { scenarios, type Recorded, type Scenario } from '../test/replay/scenarios.js';
import { createStandIns } from '../test/replay/stand-ins.js';
import { createTimeSkippingEnv, quietTemporalRuntime } from '../test/support/temporal.js';
import { bundleWorkflows } from '../worker/bundle.js';
import * as workflows from '../workflows/index.js';
import { temporalCliPath } from './devstack/temporal-dev-server.js';

const ROOT = join(import.meta.dirname, '..');
const TASK_QUEUE = 'history-recording';
/**
 * Events after which the dev server suggests continue-as-new. One conversation turn takes ~12 events, its
 * first workflow task 4: at 7 the first turn is answered, then the run continues as new.
 */
const CONTINUE_AS_NEW_AFTER_EVENTS = 7;

async function devServerWithLowContinueAsNewThreshold(): Promise<TestWorkflowEnvironment> {
  quietTemporalRuntime();
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCliPath(ROOT) },
      log: { format: 'json', level: 'error' },
      extraArgs: ['--dynamic-config-value', `limit.historyCount.suggestContinueAsNew=${CONTINUE_AS_NEW_AFTER_EVENTS}`],
    },
  });
}

/**
 * `HISTORIES_ONLY=healthCheckWorkflow npm run histories:record` re-records only the scenarios whose title
 * starts with it (one workflow's patch, without touching every other file); the "every type has a history"
 * check is then left to the replay test.
 */
const ONLY = process.env.HISTORIES_ONLY?.trim() || null;

async function runOn(
  server: Scenario['server'],
  bundle: WorkflowBundleWithSourceMap,
  standIns: ReturnType<typeof createStandIns>,
): Promise<Array<Recorded & { title: string }>> {
  const chosen = scenarios.filter(([title, s]) => s.server === server && (!ONLY || title.startsWith(ONLY)));
  if (chosen.length === 0) return [];
  const env = server === 'dev-server' ? await devServerWithLowContinueAsNewThreshold() : await createTimeSkippingEnv();
  try {
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue: TASK_QUEUE, workflowBundle: bundle, activities: standIns.activities });
    return await worker.runUntil(async () => {
      const out: Array<Recorded & { title: string }> = [];
      // One at a time: time skipping is server-wide, and each scenario scripts the shared stand-ins.
      for (const [title, scenario] of chosen) {
        const started = performance.now();
        const recorded = await scenario.run({ env, taskQueue: TASK_QUEUE, standIns });
        console.log(`  ran ${title} (${server}, ${((performance.now() - started) / 1000).toFixed(1)} s)`);
        out.push(...recorded.map((r) => ({ ...r, title })));
      }
      return out;
    });
  } finally {
    await env.teardown();
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const bundle = await bundleWorkflows();
  const standIns = createStandIns();
  console.log(`recording ${scenarios.length} scenarios (a run that fails on purpose, like catalog staging-lost, makes the SDK log a "Workflow failed" warning)`);
  const recorded = [...(await runOn('time-skipping', bundle, standIns)), ...(await runOn('dev-server', bundle, standIns))];

  const files = new Map<string, string>();
  const types = new Set<string>();
  for (const { name, history, title } of recorded) {
    types.add(workflowTypeOf(history));
    const file = `${workflowTypeOf(history)}-${name}.json`;
    if (files.has(file)) throw new Error(`two histories would be written to ${file} (the second from ${title})`);
    files.set(file, historyFileText(history));
  }

  // A new workflow type comes with its scenario, or the replay test fails: say so here first.
  const missing = ONLY ? [] : Object.keys(workflows).filter((t) => !types.has(t));
  if (missing.length > 0) throw new Error(`no scenario records ${missing.join(', ')}: add one to test/replay/scenarios.ts`);

  // Sanity before touching the committed files: what was just recorded replays on the code that made it.
  const failed: string[] = [];
  for await (const result of Worker.runReplayHistories(
    { workflowBundle: bundle, replayName: 'recorded' },
    [...files].map(([file, text]) => ({ workflowId: file, history: JSON.parse(text) as unknown })),
  )) {
    if (result.error) failed.push(`${result.workflowId}: ${result.error.message}`);
  }
  if (failed.length > 0) throw new Error(`freshly recorded histories do not replay (a non-deterministic workflow?):\n${failed.join('\n')}`);

  mkdirSync(HISTORIES_DIR, { recursive: true });
  // Files no scenario writes are left alone: a history kept from before a patched() change is what keeps the
  // old branch tested until deprecatePatch. Listed, so one left by a renamed scenario gets noticed.
  for (const kept of readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json') && !files.has(f))) {
    console.log(`kept  ${relative(ROOT, join(HISTORIES_DIR, kept))} (no scenario writes it: delete it if it is stale)`);
  }
  let bytes = 0;
  for (const [file, text] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    writeFileSync(join(HISTORIES_DIR, file), text);
    bytes += Buffer.byteLength(text);
    const events = (JSON.parse(text) as { events: unknown[] }).events.length;
    console.log(`wrote ${relative(ROOT, join(HISTORIES_DIR, file)).padEnd(84)} ${String(events).padStart(3)} events ${(Buffer.byteLength(text) / 1024).toFixed(1).padStart(5)} KB`);
  }
  console.log(
    `${files.size} histories of ${types.size} workflow types, ${(bytes / 1024).toFixed(0)} KB, replayed once on the current code; ` +
      `${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
