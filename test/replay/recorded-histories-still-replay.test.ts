// Every recorded history (test/replay/histories/, written by `npm run histories:record`) replayed on the
// CURRENT workflow code. A change that alters the command sequence of a workflow that may have running
// executions fails here, naming the history and the non-determinism, unless it is behind patched()
// (README "Changing a workflow safely").
import { relative } from 'node:path';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import * as workflows from '../../workflows/index.js';
import { quietTemporalRuntime, workflowBundle } from '../support/temporal.js';
import { HISTORIES_DIR, loadRecordedHistories } from './histories.js';

const recorded = loadRecordedHistories();
const where = relative(process.cwd(), HISTORIES_DIR);

describe('recorded workflow histories', () => {
  it('exist for every registered workflow type', () => {
    // workflows/index.ts exports exactly the registry's types (its compile-time checks), so a new workflow
    // registered without a recorded history fails here.
    const registered = Object.keys(workflows).sort();
    expect(registered.length).toBeGreaterThan(0);
    if (recorded.length === 0) throw new Error(`no recorded histories in ${where}: run npm run histories:record`);
    const missing = registered.filter((type) => !recorded.some((r) => r.workflowType === type));
    if (missing.length > 0) {
      throw new Error(`no recorded history for ${missing.join(', ')}: add a scenario to test/replay/scenarios.ts, then npm run histories:record`);
    }
  });

  it('still replay on the current workflow code', async () => {
    if (recorded.length === 0) throw new Error(`no recorded histories in ${where}: run npm run histories:record`);
    quietTemporalRuntime();
    const failures: string[] = [];
    let replayed = 0;
    // One replay worker for all of them; histories carry no workflow id, so each is replayed under its file name.
    const results = Worker.runReplayHistories(
      { workflowBundle: workflowBundle(), replayName: 'recorded-histories' },
      recorded.map((r) => ({ workflowId: r.file, history: r.history })),
    );
    for await (const result of results) {
      replayed += 1;
      if (!result.error) continue;
      // Core's own sentence ("Nondeterminism error: Activity machine does not handle this event: …") first.
      const core = /message: "([^"]+)"/.exec(result.error.message)?.[1];
      failures.push(`${where}/${result.workflowId}\n  ${result.error.name}: ${core ?? result.error.message}${core ? `\n  (${result.error.message})` : ''}`);
    }
    if (failures.length > 0) {
      throw new Error(
        `${failures.length} of ${recorded.length} recorded histories no longer replay: a workflow change alters the command ` +
          `sequence of running executions. Guard it with patched('<id>') (README "Changing a workflow safely").\n\n${failures.join('\n\n')}`,
      );
    }
    expect(replayed).toBe(recorded.length);
  });
});
