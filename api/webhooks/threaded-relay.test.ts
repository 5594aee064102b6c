// The relay thread is started with the module-loading part of the API's Node options only: V8 flags the API
// runs with (api/node-flags.ts) make `new Worker` throw, which stopped the API from starting at all.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { API_NODE_FLAGS } from '../node-flags.js';
import { moduleLoadingArgs } from './threaded-relay.js';

describe("the relay thread's Node options", () => {
  it('keeps module loading and drops V8 and process flags', () => {
    expect(
      moduleLoadingArgs([
        '--max-semi-space-size=16', '--require', '/x/preflight.cjs', '--import', 'file:///x/loader.mjs', '--max-old-space-size', '512',
        '--conditions=development', '--experimental-import-meta-resolve', '--title=api', '-r', 'dotenv/config',
      ]),
    ).toEqual(['--require', '/x/preflight.cjs', '--import', 'file:///x/loader.mjs', '--conditions=development', '--experimental-import-meta-resolve', '-r', 'dotenv/config']);
  });

  it("lets a worker thread start in a process running with the API's flags", () => {
    // A real process with the API's V8 flags starts a thread the way createThreadedRelay does.
    const script = `
      const { Worker } = require('node:worker_threads');
      const { moduleLoadingArgs } = require(${JSON.stringify(fileURLToPath(new URL('./threaded-relay.ts', import.meta.url)))});
      const w = new Worker('require("node:worker_threads").parentPort.postMessage("up")', { eval: true, execArgv: moduleLoadingArgs(process.execArgv) });
      w.on('message', (m) => { console.log(m); process.exit(0); });
      w.on('error', (e) => { console.error(e.code); process.exit(1); });`;
    const run = spawnSync(process.execPath, [...API_NODE_FLAGS, '--import', 'tsx', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(run.stderr).not.toContain('ERR_WORKER_INVALID_EXEC_ARGV');
    expect(run.stdout.trim()).toBe('up');
  });
});
