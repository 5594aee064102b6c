// The catalog import workflow's contract (`catalog-import:{tenant}:{upload}`): started by the upload route
// for large files; its progress query mirrors what the dashboard reads from the database.
import { defineQuery } from '@temporalio/workflow';
import type { CatalogImportReport } from '../../lib/catalog/apply.js';

export const catalogImportWorkflowType = 'catalogImportWorkflow';
export type CatalogImportWorkflow = (input: CatalogImportInput) => Promise<CatalogImportReport>;

export interface CatalogImportInput {
  tenantId: string;
  /** The CatalogImport row whose staged rows this run applies (the API staged them during the upload). */
  importId: string;
}

export interface ImportProgress {
  rowsDone: number;
  rowsTotal: number;
}

/** Rows done / total as of the last finished slice. */
export const progressQuery = defineQuery<ImportProgress>('progress');
