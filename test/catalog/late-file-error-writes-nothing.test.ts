import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { CatalogFileError } from '../../lib/catalog/errors.js';
import { receiveUpload } from '../../lib/catalog/receive.js';
import { useCatalogTenant } from './helpers.js';

const ctx = useCatalogTenant();

/** 4,000 valid rows, a pause long enough for batches to be applied while the file is read, then `tail`. */
async function* slowFile(prefix: string, tail: Buffer): AsyncGenerator<Buffer> {
  const rows = Array.from({ length: 4_000 }, (_, i) => `${prefix}-${i},Lamp ${i},${(i % 50) + 0.5}`).join('\n');
  yield Buffer.from(`sku,name,price\n${rows}\n`);
  await sleep(1_500);
  yield tail;
}

const upload = (body: AsyncIterable<Buffer>) =>
  receiveUpload(ctx.prisma, { tenantId: ctx.tenantId, userId: null, uploadId: randomUUID(), fileName: 'late.csv', format: 'csv', body });

it('applies full batches while the file is still being read (the control for the test below)', async () => {
  const received = await upload(slowFile('OK', Buffer.from('OK-last,Lamp,1\n')));
  expect(received).toMatchObject({ rowsTotal: 4_001, staged: 4_001, rejected: 0 });
  expect(received.applied).toBeGreaterThanOrEqual(1_000);
  // Applied in the staging transaction: committed with the totals, the import still pending for its apply.
  const row = await ctx.prisma.catalogImport.findUniqueOrThrow({ where: { id: received.importId } });
  expect(row).toMatchObject({ status: 'pending', rowsTotal: 4_001, rowsDone: received.applied, createdCount: received.applied });
  expect(await ctx.prisma.catalogImportRow.count({ where: { importId: received.importId } })).toBe(4_001 - received.applied);
  await ctx.prisma.catalogImport.delete({ where: { id: received.importId } });
  await ctx.prisma.product.deleteMany({ where: { tenantId: ctx.tenantId } });
});

it.each([
  // UTF-8 text, then a byte that is not UTF-8 (a file of plain ASCII and then 0xFF would be read as Windows-1252).
  ['invalid UTF-8', Buffer.from([...Buffer.from('C,Crème,1\n'), 0x42, 0x2c, 0xff, 0x2c, 0x31, 0x0a]), 'invalid_encoding'],
  ['an unclosed quote', Buffer.from('B,"Open,1\n'), 'malformed_file'],
])('writes no product when %s comes after batches were applied', async (_label, tail, code) => {
  const error = await upload(slowFile('BAD', tail)).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(CatalogFileError);
  expect((error as CatalogFileError).code).toBe(code);
  expect(await ctx.prisma.product.count({ where: { tenantId: ctx.tenantId } })).toBe(0);
  expect(await ctx.prisma.catalogImport.count({ where: { tenantId: ctx.tenantId } })).toBe(0);
  expect(await ctx.prisma.catalogImportRow.count({ where: { tenantId: ctx.tenantId } })).toBe(0);
});
