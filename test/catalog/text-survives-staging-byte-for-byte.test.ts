import { expect, it } from 'vitest';
import { counts, importFile, useCatalogTenant } from './helpers.js';

const db = useCatalogTenant();

// Staging goes through COPY's text format, where backslash, tab and line breaks are syntax and `\N` is null.
it('keeps backslashes, tabs, line breaks and a literal \\N in names, descriptions and attributes exactly', async () => {
  const { prisma, tenantId } = db;
  const rows = [
    { sku: 'BS\\1', name: 'Back\\slash \\N tool', price: 1, description: 'line one\nline two\r\nthree\tcolumns', colour: 'navy\\blue\t"deep"' },
    { sku: 'N', name: '\\N', price: 2, description: '\\', colour: '\\N' },
    { sku: 'Ü-ß', name: 'Ünïcödé 🧦 socks', price: 3, description: null, colour: null },
  ];
  const { report } = await importFile(prisma, tenantId, JSON.stringify(rows), 'json');
  expect(counts(report)).toEqual({ status: 'completed', rowsTotal: 3, rowsDone: 3, created: 3, updated: 0, unchanged: 0, rejected: 0 });

  const products = await prisma.product.findMany({ where: { tenantId }, orderBy: { price: 'asc' }, select: { sku: true, name: true, description: true, attributes: true } });
  expect(products).toEqual([
    { sku: 'BS\\1', name: 'Back\\slash \\N tool', description: 'line one\nline two\r\nthree\tcolumns', attributes: { colour: 'navy\\blue\t"deep"' } },
    { sku: 'N', name: '\\N', description: '\\', attributes: { colour: '\\N' } },
    { sku: 'Ü-ß', name: 'Ünïcödé 🧦 socks', description: null, attributes: null },
  ]);

  // The hash was computed from the same values: the same file again changes nothing.
  expect(counts((await importFile(prisma, tenantId, JSON.stringify(rows), 'json')).report)).toMatchObject({ created: 0, updated: 0, unchanged: 3 });
});
