import { ApplicationFailure, Context } from '@temporalio/activity';
import {
  applyRange,
  CatalogImportNotFound,
  CatalogStagingLost,
  completeImport,
  failImport,
  stagedRowCount,
  type CatalogImportReport,
} from '../lib/catalog/apply.js';
import type { PrismaClient } from '../lib/db/client.js';
import type { ImportProgress } from '../workflows/contracts/catalog-import.js';

export interface CatalogActivityDeps {
  prisma: PrismaClient;
}

/**
 * The catalog import's side effects. Staged rows live in Postgres, so any worker host can run these.
 * All are safe to retry: each batch deletes the staged rows it applies in the transaction that applies them.
 */
export function createCatalogActivities({ prisma }: CatalogActivityDeps) {
  const nonRetryable = (error: unknown): never => {
    if (error instanceof CatalogImportNotFound || error instanceof CatalogStagingLost) {
      throw ApplicationFailure.nonRetryable(error.message, error.name);
    }
    throw error;
  };

  return {
    async countStagedCatalogRows({ importId }: { importId: string }): Promise<number> {
      return stagedRowCount(prisma, importId).catch(nonRetryable);
    },

    /** Applies staged rows `from < seq ≤ to`, heartbeating after each batch so a dead worker is noticed fast. */
    async applyCatalogImportSlice({ importId, from, to }: { importId: string; from: number; to: number }): Promise<ImportProgress> {
      await applyRange(prisma, importId, { from, to }, { onBatch: () => Context.current().heartbeat() }).catch(nonRetryable);
      const row = await prisma.catalogImport.findUnique({ where: { id: importId }, select: { rowsDone: true, rowsTotal: true } });
      return { rowsDone: row?.rowsDone ?? 0, rowsTotal: row?.rowsTotal ?? 0 };
    },

    async completeCatalogImport({ importId }: { importId: string }): Promise<CatalogImportReport> {
      return completeImport(prisma, importId).catch(nonRetryable);
    },

    async failCatalogImport({ importId, reason }: { importId: string; reason: string }): Promise<void> {
      await failImport(prisma, importId, reason);
    },
  };
}

export type CatalogActivities = ReturnType<typeof createCatalogActivities>;
