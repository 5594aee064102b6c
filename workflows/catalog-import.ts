import { ApplicationFailure, proxyActivities, setHandler } from '@temporalio/workflow';
import type { CatalogActivities } from '../activities/catalog.js';
import type { CatalogImportReport } from '../lib/catalog/apply.js';
import { progressQuery, type CatalogImportInput, type ImportProgress } from './contracts/catalog-import.js';
import { failureReason } from './failure-reason.js';

/** Rows per activity call: bounds one attempt (and what a lost worker costs); progress is per batch anyway. */
const SLICE_ROWS = 20_000;

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
    // The merchant sees this on the import: the cause, and what to do.
    const reason = `The import stopped: ${failureReason(error)}. Products already written stay; upload the file again to finish.`;
    await failCatalogImport({ importId: input.importId, reason });
    throw error;
  }
}
