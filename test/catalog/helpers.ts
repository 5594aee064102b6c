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
export async function importFile(prisma: PrismaClient, tenantId: string, content: string | Buffer, format: UploadFormat = 'csv', maxBytes?: number): Promise<ImportOutcome> {
  const received = await receiveUpload(prisma, {
    tenantId,
    userId: null,
    uploadId: randomUUID(),
    fileName: `catalog.${format}`,
    format,
    body: chunked(content),
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
