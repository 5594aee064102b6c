import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';

export const WORKFLOWS_ENTRY = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));
export const PREBUNDLED_PATH = fileURLToPath(new URL('../dist/workflow-bundle.js', import.meta.url));

/** Bundles the workflow code (webpack, deterministic sandbox); ~seconds, so do it once per process or at build. */
export async function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_ENTRY, logger: quietLogger });
}

/** Production runs the bundle made at build time; a dev run without one bundles at start-up. */
export async function loadWorkflowBundle(path = process.env.WORKFLOW_BUNDLE_PATH ?? PREBUNDLED_PATH) {
  if (existsSync(path)) return { codePath: path };
  return bundleWorkflows();
}

const noop = () => {};
const quietLogger = { trace: noop, debug: noop, info: noop, warn: console.warn, error: console.error, log: noop };
