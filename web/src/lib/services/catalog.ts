import { z } from 'zod';
import { requestJson, type Fetch } from './api.ts';

// The contract of the API's `/api/catalog/*` endpoints; answers are validated so a surprise shows as
// a readable error rather than a broken page.

const isoDate = z.iso.datetime({ offset: true });

export const rowErrorSchema = z.object({
  rowNumber: z.number().int(),
  field: z.string().nullable(),
  reason: z.string(),
  value: z.string().nullable(),
});

export const importReportSchema = z.object({
  id: z.string(),
  uploadId: z.string(),
  fileName: z.string(),
  format: z.enum(['csv', 'json']),
  // Strings, not enums: an encoding or status added later reads as itself instead of breaking the page.
  encoding: z.string(),
  status: z.string(),
  rowsTotal: z.number().int().nullable(),
  rowsDone: z.number().int(),
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  rejected: z.number().int(),
  error: z.string().nullable(),
  workflowId: z.string().nullable(),
  createdAt: isoDate,
  startedAt: isoDate.nullable(),
  finishedAt: isoDate.nullable(),
});

export const importDetailSchema = importReportSchema.extend({
  errors: z.array(rowErrorSchema),
  // Same-origin path only: it becomes a download link.
  errorsCsvUrl: z.string().startsWith('/api/'),
});

export const productSchema = z.object({
  id: z.string(),
  sku: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  price: z.string().nullable(),
  currency: z.string(),
  stock: z.number().int().nullable(),
  category: z.string().nullable(),
  url: z.string().nullable(),
  imageUrl: z.string().nullable(),
  updatedAt: isoDate,
});

export const productPageSchema = z.object({
  items: z.array(productSchema),
  total: z.number().int(),
  page: z.number().int(),
  pageSize: z.number().int(),
  query: z.string(),
});

export type RowError = z.infer<typeof rowErrorSchema>;
export type ImportReport = z.infer<typeof importReportSchema>;
export type ImportDetail = z.infer<typeof importDetailSchema>;
export type Product = z.infer<typeof productSchema>;
export type ProductPage = z.infer<typeof productPageSchema>;

export const ACCEPTED_FILES = '.csv,.json,.jsonl,.ndjson,text/csv,application/json';

/** The content type the API reads the file as; browsers leave .jsonl (and some .csv) untyped. */
export function contentTypeFor(file: { name: string; type: string }): string {
  const name = file.name.toLowerCase();
  if (name.endsWith('.jsonl') || name.endsWith('.ndjson')) return 'application/x-ndjson';
  if (name.endsWith('.json')) return 'application/json';
  if (name.endsWith('.csv')) return 'text/csv';
  return file.type || 'application/octet-stream';
}

/** Sends the file as the request body (streamed by the browser). 201 = imported, 202 = importing. */
export function uploadCatalog(file: File, uploadId: string, fetchFn?: Fetch): Promise<ImportDetail> {
  const query = new URLSearchParams({ fileName: file.name, uploadId });
  return requestJson(
    `/api/catalog/uploads?${query}`,
    importDetailSchema,
    { method: 'POST', headers: { 'content-type': contentTypeFor(file) }, body: file },
    fetchFn,
  );
}

export function fetchImport(id: string, fetchFn?: Fetch): Promise<ImportDetail> {
  return requestJson(`/api/catalog/imports/${encodeURIComponent(id)}`, importDetailSchema, { cache: 'no-store' }, fetchFn);
}

export async function fetchLatestImport(fetchFn?: Fetch): Promise<ImportDetail | null> {
  const { imports } = await requestJson('/api/catalog/imports?limit=1', z.object({ imports: z.array(importReportSchema) }), { cache: 'no-store' }, fetchFn);
  const latest = imports[0];
  return latest ? fetchImport(latest.id, fetchFn) : null;
}

export function fetchProducts(options: { query: string; page: number; pageSize?: number }, fetchFn?: Fetch): Promise<ProductPage> {
  const params = new URLSearchParams({ page: String(options.page), pageSize: String(options.pageSize ?? 25) });
  if (options.query.trim() !== '') params.set('query', options.query.trim());
  return requestJson(`/api/catalog/products?${params}`, productPageSchema, { cache: 'no-store' }, fetchFn);
}

const ENCODING_NAMES: Record<string, string> = { 'windows-1252': 'Windows-1252' };

/**
 * What to tell the merchant about how the file's text was read; null for UTF-8. A file that is not UTF-8
 * is read as Windows-1252 (Excel's plain "CSV"): right for most, so it is imported, but worth a look.
 */
export function encodingNotice(report: ImportReport): string | null {
  if (report.encoding === 'utf-8') return null;
  return `Read as ${ENCODING_NAMES[report.encoding] ?? report.encoding} (not UTF-8): check accented letters look right. If they do not, save the file as “CSV UTF-8” and upload it again.`;
}

export function isFinished(report: ImportReport): boolean {
  return report.status === 'completed' || report.status === 'failed';
}

/** 0–100 for the progress bar: rows done over rows in the file. */
export function percentDone(report: ImportReport): number {
  if (report.status === 'completed') return 100;
  if (!report.rowsTotal) return 0;
  return Math.min(100, Math.floor((report.rowsDone / report.rowsTotal) * 100));
}
