import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startTemporalDevServer } from '../../scripts/devstack/temporal-dev-server.js';
import { bundleWorkflows } from '../../worker/bundle.js';
import { startTestDatabase } from './database.js';

/**
 * Starts the services every integration test shares, once per run: embedded Postgres (migrated),
 * a Temporal dev server (in memory), and the workflow bundle (webpack takes seconds; do it once).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'wara-test-'));
  const [database, temporal, bundle] = await Promise.all([
    startTestDatabase(),
    startTemporalDevServer({ headless: true, logFile: join(dir, 'temporal.log') }),
    bundleWorkflows(),
  ]);
  const bundlePath = join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);

  project.provide('databaseUrl', database.url);
  project.provide('temporalAddress', temporal.address);
  project.provide('workflowBundlePath', bundlePath);
  console.log(`test services ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  return async () => {
    await Promise.allSettled([temporal.stop(), database.stop()]);
    rmSync(dir, { recursive: true, force: true });
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    temporalAddress: string;
    workflowBundlePath: string;
  }
}
