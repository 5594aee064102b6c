import type { Readable } from 'node:stream';
import type { CatalogImportError } from '@prisma/client';
import { csvStream, type CsvRow } from '../csv/writer.js';
import type { PrismaClient } from '../db/client.js';

const PAGE = 1_000;
const HEADER = ['row', 'field', 'reason', 'value'] as const;

/**
 * An import's row errors as CSV, read page by page (keyset on row, id) so a 10k-error report never sits
 * in memory. Written by the shared CSV writer (lib/csv/writer.ts): cell values came from an uploaded file,
 * so a leading = + - @ is defused there before the merchant's spreadsheet sees it.
 */
export function importErrorsCsv(prisma: PrismaClient, tenantId: string, importId: string, onError?: (err: Error) => void): Readable {
  return csvStream(HEADER, importErrorRows(prisma, tenantId, importId), onError);
}

async function* importErrorRows(prisma: PrismaClient, tenantId: string, importId: string): AsyncGenerator<CsvRow[]> {
  let after: { rowNumber: number; id: string } | null = null;
  for (;;) {
    const page: CatalogImportError[] = await prisma.catalogImportError.findMany({
      where: {
        tenantId,
        importId,
        ...(after ? { OR: [{ rowNumber: { gt: after.rowNumber } }, { rowNumber: after.rowNumber, id: { gt: after.id } }] } : {}),
      },
      orderBy: [{ rowNumber: 'asc' }, { id: 'asc' }],
      take: PAGE,
    });
    yield page.map((e) => [e.rowNumber, e.field, e.reason, e.value]);
    const last = page[page.length - 1];
    if (!last || page.length < PAGE) return;
    after = { rowNumber: last.rowNumber, id: last.id };
  }
}
