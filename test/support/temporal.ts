import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime, DefaultLogger, Worker, makeTelemetryFilterString } from '@temporalio/worker';
import { inject } from 'vitest';
import { freePort } from '../../scripts/devstack/ports.js';
import { stopChild } from '../../scripts/devstack/temporal-dev-server.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** The prebuilt workflow bundle from the global setup, so each test file skips webpack. */
export function workflowBundle(): { codePath: string } {
  return { codePath: inject('workflowBundlePath') };
}

let runtimeInstalled = false;
/** Keeps test output readable: only the SDK's warnings and errors. */
export function quietTemporalRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    telemetryOptions: { logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'ERROR' }) } },
  });
}

/**
 * Temporal's time-skipping test server (Java), one per test file (time skipping is server-wide, so files
 * must not share one). The SDK would download it (unreachable here) and gives it only 5 s to come up,
 * which a JVM on two busy cores sometimes misses. So we start the Maven-fetched server ourselves with a
 * generous deadline and attach the SDK's time-skipping environment to it.
 */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  quietTemporalRuntime();
  const wrapper = process.env.TEMPORAL_TEST_SERVER_PATH ?? join(ROOT, '.tools', 'bin', 'temporal-test-server');
  if (!existsSync(wrapper)) throw new Error(`time-skipping test server missing at ${wrapper}: run npm run setup`);
  const port = await freePort();
  // Same arguments as the SDK's launcher: just the port. (`--enable-time-skipping` would start with
  // skipping unlocked, so time races ahead while the first worker is still starting.)
  const child = spawn(wrapper, [String(port)], { stdio: 'ignore' });
  const address = `127.0.0.1:${port}`;
  try {
    await waitForTestServer(address, child);
    // `create` is the SDK's own factory behind createTimeSkipping; it is private in the typings only.
    // With an existing server it connects with the test service enabled and leaves the process to us.
    const factory = TestWorkflowEnvironment as unknown as {
      create(opts: { server: { type: 'existing' }; address: string; supportsTimeSkipping: true }): Promise<TestWorkflowEnvironment>;
    };
    const env = await factory.create({ server: { type: 'existing' }, address, supportsTimeSkipping: true });
    const teardown = env.teardown.bind(env);
    env.teardown = async () => {
      await teardown();
      await stopChild(child);
    };
    return env;
  } catch (err) {
    await stopChild(child);
    throw err;
  }
}

async function waitForTestServer(address: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`time-skipping test server exited with code ${child.exitCode}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      await connection.close();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`time-skipping test server not ready at ${address}`, { cause: err });
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** A client + worker connection to the shared real Temporal dev server started by the global setup. */
export async function connectDevServer(): Promise<TestWorkflowEnvironment> {
  quietTemporalRuntime();
  return TestWorkflowEnvironment.createFromExistingServer({ address: inject('temporalAddress') });
}

/** A worker of `activities` on its own task queue for one test file; `stop` shuts it down and waits for it. */
export async function runTestWorker(env: TestWorkflowEnvironment, taskQueue: string, activities: object): Promise<{ stop(): Promise<void> }> {
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: workflowBundle(), activities });
  const running = worker.run();
  return {
    async stop() {
      worker.shutdown();
      await running;
    },
  };
}
