import type { CatalogImportError } from '@prisma/client';
import type { PrismaClient } from '../db/client.js';

const PAGE = 1_000;

/**
 * An import's row errors as CSV, read page by page (keyset on row, id) so a 10k-error report never sits
 * in memory. Starts with a BOM so Excel opens it as UTF-8.
 */
export async function* importErrorsCsv(prisma: PrismaClient, tenantId: string, importId: string): AsyncGenerator<string> {
  yield '\uFEFFrow,field,reason,value\r\n';
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
    if (page.length === 0) return;
    yield page.map((e) => [String(e.rowNumber), e.field ?? '', e.reason, e.value ?? ''].map(csvCell).join(',')).join('\r\n') + '\r\n';
    const last = page[page.length - 1];
    if (!last || page.length < PAGE) return;
    after = { rowNumber: last.rowNumber, id: last.id };
  }
}

/**
 * Quotes when needed; a leading = + - @ is defused with an apostrophe, because the merchant opens this in
 * a spreadsheet and cell values came from an uploaded file (CSV formula injection).
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
