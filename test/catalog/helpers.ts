import { randomUUID } from 'node:crypto';
import { applyAll, type CatalogImportReport } from '../../lib/catalog/apply.js';
import type { RowError } from '../../lib/catalog/errors.js';
import { receiveUpload, type UploadFormat } from '../../lib/catalog/receive.js';
import { afterAll, beforeAll, inject } from 'vitest';
import { createPrismaClient, type PrismaClient } from '../../lib/db/client.js';

/** A fresh tenant per test: files share one database and run in parallel. */
export async function createTenant(prisma: PrismaClient, name = 'Catalog Test Shop'): Promise<string> {
  const tenant = await prisma.tenant.create({ data: { name, slug: `catalog-${randomUUID()}` } });
  return tenant.id;
}

/**
 * A client on the shared test database and a tenant of the file's own, created before its tests and
 * deleted after; read `prisma` and `tenantId` inside tests (they are set in `beforeAll`).
 */
export function useCatalogTenant(): { prisma: PrismaClient; tenantId: string } {
  const ctx = {} as { prisma: PrismaClient; tenantId: string };
  beforeAll(async () => {
    ctx.prisma = createPrismaClient(inject('databaseUrl'), { max: 3 });
    ctx.tenantId = await createTenant(ctx.prisma);
  });
  afterAll(async () => {
    await ctx.prisma.tenant.delete({ where: { id: ctx.tenantId } });
    await ctx.prisma.$disconnect();
  });
  return ctx;
}

/** The file as the network delivers it: in small uneven chunks, so no test passes by luck of one chunk. */
export async function* chunked(content: string | Buffer, size = 13): AsyncGenerator<Buffer> {
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

export interface ImportOutcome {
  report: CatalogImportReport;
  errors: Omit<RowError, never>[];
}

/** Upload + apply inline, as the API does for small files; returns the report and the stored row errors. */
export async function importFile(
  prisma: PrismaClient,
  tenantId: string,
  content: string | Buffer,
  format: UploadFormat = 'csv',
  maxBytes?: number,
  chunkSize?: number,
): Promise<ImportOutcome> {
  const received = await receiveUpload(prisma, {
    tenantId,
    userId: null,
    uploadId: randomUUID(),
    fileName: `catalog.${format}`,
    format,
    body: chunked(content, chunkSize),
    ...(maxBytes ? { maxBytes } : {}),
  });
  const report = await applyAll(prisma, received.importId);
  const errors = await prisma.catalogImportError.findMany({
    where: { importId: report.id },
    orderBy: [{ rowNumber: 'asc' }, { field: 'asc' }],
    select: { rowNumber: true, field: true, reason: true, value: true },
  });
  return { report, errors };
}

export function counts(report: CatalogImportReport) {
  const { status, rowsTotal, rowsDone, created, updated, unchanged, rejected } = report;
  return { status, rowsTotal, rowsDone, created, updated, unchanged, rejected };
}

/** What a refused upload must leave behind: nothing (no import, staged row, row error or product). */
export async function writtenRows(prisma: PrismaClient, tenantId: string) {
  const [imports, staged, errors, products] = await Promise.all([
    prisma.catalogImport.count({ where: { tenantId } }),
    prisma.catalogImportRow.count({ where: { tenantId } }),
    prisma.catalogImportError.count({ where: { tenantId } }),
    prisma.product.count({ where: { tenantId } }),
  ]);
  return { imports, staged, errors, products };
}

/** How a JSON file that is not a product list is refused (the start of the message). */
export const NOT_A_LIST =
  'This JSON is not a list of products: expected an array of objects like [{"sku": "…", "name": "…", "price": 9.99}] or one such object per line.';

export const NOTHING_WRITTEN = { imports: 0, staged: 0, errors: 0, products: 0 };

/**
 * Text as Windows-1252 bytes (what Excel's "CSV (Comma delimited)" writes on Windows): Latin-1 plus the
 * few characters 1252 puts at 0x80–0x9F, so a test can tell 1252 from ISO-8859-1.
 */
export function windows1252(text: string): Buffer {
  const extra: Record<string, number> = { '€': 0x80, '‚': 0x82, '„': 0x84, '…': 0x85, '‘': 0x91, '’': 0x92, '“': 0x93, '”': 0x94, '–': 0x96, '—': 0x97, '™': 0x99, 'œ': 0x9c };
  return Buffer.from(
    Array.from(text, (ch) => {
      const code = extra[ch] ?? ch.charCodeAt(0);
      if (code > 0xff) throw new Error(`${ch} is not in Windows-1252`);
      return code;
    }),
  );
}
