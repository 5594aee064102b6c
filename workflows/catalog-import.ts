import { ActivityFailure, ApplicationFailure, defineQuery, proxyActivities, setHandler } from '@temporalio/workflow';
import type { CatalogActivities, ImportProgress } from '../activities/catalog.js';
import type { CatalogImportReport } from '../lib/catalog/apply.js';

export interface CatalogImportInput {
  tenantId: string;
  /** The CatalogImport row whose staged rows this run applies (the API staged them during the upload). */
  importId: string;
}

/** Rows per activity call: bounds one attempt (and what a lost worker costs); progress is per batch anyway. */
const SLICE_ROWS = 20_000;

/** Rows done / total as of the last finished slice; the dashboard reads the same from the database. */
export const progressQuery = defineQuery<ImportProgress>('progress');

// A slice writes up to 20k rows; the heartbeat, not the long timeout, is what detects a dead worker.
// Retries resume from the committed counter, so a transient database error costs one batch at most.
const { applyCatalogImportSlice } = proxyActivities<CatalogActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', maximumAttempts: 10, nonRetryableErrorTypes: ['CatalogImportNotFound', 'CatalogStagingLost'] },
});

// Bookkeeping must land even through a flaky database: retry patiently.
const { countStagedCatalogRows, completeCatalogImport, failCatalogImport } = proxyActivities<CatalogActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 20 },
});

/** Applies a large upload to the catalog batch by batch, then reports; on failure the import says why. */
export async function catalogImportWorkflow(input: CatalogImportInput): Promise<CatalogImportReport> {
  if (!input.importId || !input.tenantId) throw ApplicationFailure.nonRetryable('importId and tenantId are required', 'InvalidInput');
  let progress: ImportProgress = { rowsDone: 0, rowsTotal: 0 };
  setHandler(progressQuery, () => progress);

  try {
    const staged = await countStagedCatalogRows({ importId: input.importId });
    for (let from = 0; from < staged; from += SLICE_ROWS) {
      progress = await applyCatalogImportSlice({ importId: input.importId, from, to: Math.min(staged, from + SLICE_ROWS) });
    }
    return await completeCatalogImport({ importId: input.importId });
  } catch (error) {
    await failCatalogImport({ importId: input.importId, reason: describeFailure(error) });
    throw error;
  }
}

/** The merchant sees this on the import: the cause, not Temporal's wrapper. */
function describeFailure(error: unknown): string {
  const cause = error instanceof ActivityFailure && error.cause ? error.cause : error;
  const message = cause instanceof Error ? cause.message : String(cause);
  return `The import stopped: ${message}. Products already written stay; upload the file again to finish.`;
}
