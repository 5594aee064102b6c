import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime, DefaultLogger, makeTelemetryFilterString } from '@temporalio/worker';
import { inject } from 'vitest';

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
 * Temporal's time-skipping test server (Java). The SDK would download it; that host is unreachable
 * here, so setup fetched it from Maven Central and wrote a wrapper we hand over as an existing path.
 */
export async function createTimeSkippingEnv(attempts = 5): Promise<TestWorkflowEnvironment> {
  quietTemporalRuntime();
  const wrapper = process.env.TEMPORAL_TEST_SERVER_PATH ?? join(ROOT, '.tools', 'bin', 'temporal-test-server');
  if (!existsSync(wrapper)) throw new Error(`time-skipping test server missing at ${wrapper}: run npm run setup`);
  // The SDK gives the server a few seconds to come up; a JVM on two busy cores sometimes needs more.
  // Only that start-up timeout is retried: any other failure is real.
  for (let attempt = 1; ; attempt++) {
    try {
      return await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: wrapper } } });
    } catch (err) {
      if (attempt >= attempts || !/did not start within/.test(String(err))) throw err;
      await new Promise((r) => setTimeout(r, 2_000 * attempt));
    }
  }
}

/** A client + worker connection to the shared real Temporal dev server started by the global setup. */
export async function connectDevServer(): Promise<TestWorkflowEnvironment> {
  quietTemporalRuntime();
  return TestWorkflowEnvironment.createFromExistingServer({ address: inject('temporalAddress') });
}
