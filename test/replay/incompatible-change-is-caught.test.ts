// Proof that the replay test catches what it is for: a recorded conversation history, replayed on a bundle
// whose conversationWorkflow gained an unguarded step, fails with a DeterminismViolationError; the same
// step behind patched() replays cleanly. The variants are fixture entry points bundled here.
import { join } from 'node:path';
import { Worker, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { beforeAll, describe, expect, it } from 'vitest';
import { quietTemporalRuntime } from '../support/temporal.js';
import { loadRecordedHistories } from './histories.js';

const HISTORY = 'conversationWorkflow-inline-reply.json';
const noop = () => {};
const quiet = { trace: noop, debug: noop, info: noop, warn: noop, log: noop, error: console.error };

const bundle = (fixture: string) => bundleWorkflowCode({ workflowsPath: join(import.meta.dirname, 'fixtures', fixture), logger: quiet });

describe('replaying a recorded conversation on changed workflow code', () => {
  const recorded = loadRecordedHistories().find((r) => r.file === HISTORY);
  let incompatible: WorkflowBundleWithSourceMap;
  let guarded: WorkflowBundleWithSourceMap;

  beforeAll(async () => {
    quietTemporalRuntime();
    [incompatible, guarded] = await Promise.all([bundle('incompatible-conversation.ts'), bundle('patched-conversation.ts')]);
  });

  it('fails with a DeterminismViolationError when a new step is not behind patched()', async () => {
    if (!recorded) throw new Error(`test/replay/histories/${HISTORY} is missing: run npm run histories:record`);
    const error: unknown = await Worker.runReplayHistory({ workflowBundle: incompatible, replayName: 'incompatible' }, recorded.history, HISTORY).then(
      () => null,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(DeterminismViolationError);
    // Core's words: the command the new code produced did not match the event the history has there.
    expect((error as Error).message).toMatch(/nondeterminism/i);
    console.log(`replaying ${HISTORY} on the unguarded variant: ${(error as Error).message}`);
  });

  it('replays cleanly when the same step is behind patched()', async () => {
    if (!recorded) throw new Error(`test/replay/histories/${HISTORY} is missing: run npm run histories:record`);
    await expect(Worker.runReplayHistory({ workflowBundle: guarded, replayName: 'patched' }, recorded.history, HISTORY)).resolves.toBeUndefined();
  });
});
