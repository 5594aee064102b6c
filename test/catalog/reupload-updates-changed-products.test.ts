import { expect, it } from 'vitest';
import { counts, importFile, useCatalogTenant } from './helpers.js';

const db = useCatalogTenant();

it('counts created, updated and unchanged by SKU across uploads, and leaves unchanged rows unwritten', async () => {
  const { prisma, tenantId } = db;
  const first = 'sku,name,price,stock\nA,Apple,1.00,5\nB,Banana,0.50,10\nC,Cherry,3,0\n';
  expect(counts((await importFile(prisma, tenantId, first)).report)).toEqual({
    status: 'completed', rowsTotal: 3, rowsDone: 3, created: 3, updated: 0, unchanged: 0, rejected: 0,
  });
  const before = await prisma.product.findUniqueOrThrow({ where: { tenantId_sku: { tenantId, sku: 'A' } } });

  // Same file, formatted differently (1.0 vs 1.00, a JSON number): nothing changed.
  const same = JSON.stringify([{ sku: 'A', name: 'Apple', price: 1, stock: 5 }, { sku: 'B', name: 'Banana', price: '0.5', stock: 10 }, { sku: 'C', name: 'Cherry', price: 3.0, stock: 0 }]);
  expect(counts((await importFile(prisma, tenantId, same, 'json')).report)).toMatchObject({ created: 0, updated: 0, unchanged: 3 });
  const after = await prisma.product.findUniqueOrThrow({ where: { tenantId_sku: { tenantId, sku: 'A' } } });
  expect(after.updatedAt).toEqual(before.updatedAt);

  // One price change, one new product, one bad row; C is absent (kept: uploads merge, they do not delete).
  const changed = 'sku,name,price,stock\nA,Apple,1.20,5\nB,Banana,0.50,10\nD,Date,4,1\nE,Elderberry,free,1\n';
  const { report } = await importFile(prisma, tenantId, changed);
  expect(counts(report)).toEqual({ status: 'completed', rowsTotal: 4, rowsDone: 4, created: 1, updated: 1, unchanged: 1, rejected: 1 });
  const products = await prisma.product.findMany({ where: { tenantId }, orderBy: { sku: 'asc' } });
  expect(products.map((p) => [p.sku, p.price?.toString(), p.lastImportId === report.id])).toEqual([
    ['A', '1.2', true],
    ['B', '0.5', false],
    ['C', '3', false],
    ['D', '4', true],
  ]);
  expect((await prisma.catalog.findUniqueOrThrow({ where: { tenantId } })).productCount).toBe(4);
  expect(await prisma.catalogImportRow.count({ where: { tenantId } })).toBe(0);
});
