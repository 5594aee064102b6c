import { describe, expect, it } from 'vitest';
import { CatalogFileError } from '../../lib/catalog/errors.js';
import { counts, importFile, NOT_A_LIST, NOTHING_WRITTEN, useCatalogTenant, writtenRows } from './helpers.js';

const db = useCatalogTenant();

async function clear() {
  await db.prisma.catalogImport.deleteMany({ where: { tenantId: db.tenantId } });
  await db.prisma.product.deleteMany({ where: { tenantId: db.tenantId } });
}

/** The file is refused as a whole with `not_a_catalog` (a 4xx), and nothing at all is written. */
async function refused(json: string, chunkSize?: number): Promise<CatalogFileError> {
  await clear();
  const error = await importFile(db.prisma, db.tenantId, json, 'json', undefined, chunkSize).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(CatalogFileError);
  expect(await writtenRows(db.prisma, db.tenantId)).toEqual(NOTHING_WRITTEN);
  const refusal = error as CatalogFileError;
  expect(refusal.code).toBe('not_a_catalog');
  expect(refusal.status).toBe(422);
  expect(refusal.message.startsWith(NOT_A_LIST)).toBe(true);
  return refusal;
}

async function skus() {
  const products = await db.prisma.product.findMany({ where: { tenantId: db.tenantId }, orderBy: { sku: 'asc' }, select: { sku: true } });
  return products.map((p) => p.sku);
}

describe('JSON that is not a list of products is refused as a whole', () => {
  it('{"hello":"world"}: one object without any product field', async () => {
    const error = await refused('{"hello":"world"}');
    expect(error.message).toContain('"hello"');
  });

  it('a pretty-printed single object, even one that looks like a product', async () => {
    await refused(JSON.stringify({ sku: 'A-1', name: 'Apple', price: 1 }, null, 2));
    await refused(JSON.stringify({ shop: 'Mine', settings: { currency: 'EUR' } }, null, 2), 3);
    // Pretty-printed objects one after another are not JSON lines either.
    await refused(`${JSON.stringify({ sku: 'A-1', name: 'Apple', price: 1 }, null, 2)}\n${JSON.stringify({ sku: 'B-1', name: 'Pear', price: 2 }, null, 2)}`);
  });

  it('an array of objects none of which has a product field: the message names the expected columns', async () => {
    const error = await refused('[{"foo":1},{"bar":2}]');
    expect(error.message).toMatch(/sku, name, price/);
    expect(error.message).toContain('"foo", "bar"');
  });

  it('decides on the first 20 entries: no product field among them refuses the file', async () => {
    const noise = Array.from({ length: 20 }, (_, i) => JSON.stringify({ note: `line ${i}` }));
    await refused([...noise, JSON.stringify({ sku: 'LATE-1', name: 'Late', price: 1 })].join('\n'));
    // One product field among the first 20 is enough: the others are ordinary row errors.
    await clear();
    const { report } = await importFile(db.prisma, db.tenantId, [...noise.slice(1), JSON.stringify({ sku: 'OK-1', name: 'Ok', price: 1 })].join('\n'), 'json');
    expect(counts(report)).toMatchObject({ status: 'completed', rowsTotal: 20, created: 1, rejected: 19 });
  });

  it('an object with lists only under other names: the message names them', async () => {
    const error = await refused(JSON.stringify({ articles: [{ sku: 'A-1', name: 'Apple', price: 1 }] }, null, 2));
    expect(error.message).toContain('"articles"');
  });
});

describe('JSON catalogs that are read', () => {
  it('an array (compact or pretty-printed) and JSON lines (blank lines counted) still import', async () => {
    await clear();
    const products = [{ sku: 'A-1', name: 'Apple', price: 1 }, { sku: 'B-1', title: 'Pear', price: '2.5' }];
    expect(counts((await importFile(db.prisma, db.tenantId, JSON.stringify(products), 'json')).report)).toMatchObject({ created: 2, rejected: 0 });
    expect(counts((await importFile(db.prisma, db.tenantId, JSON.stringify(products, null, 2), 'json')).report)).toMatchObject({ unchanged: 2 });
    const lines = `\n\n${products.map((p) => JSON.stringify(p)).join('\n')}\n{"sku":"C-1","name":"Plum"}\n`;
    const { report, errors } = await importFile(db.prisma, db.tenantId, lines, 'json');
    expect(counts(report)).toMatchObject({ unchanged: 2, rejected: 1 });
    expect(errors).toEqual([{ rowNumber: 5, field: 'price', reason: 'price is required', value: null }]);
  });

  it('a wrapper object {"products": [...]} (also "items", "data"…): its list is read, row = element number', async () => {
    await clear();
    const list = [{ sku: 'W-1', name: 'Wrapped', price: 1 }, { sku: 'W-2', name: 'No price' }, { sku: 'W-3', name: 'Third', price: 3 }];
    const pretty = JSON.stringify({ count: 3, meta: { page: 1, tags: ['a', ']'] }, products: list, next: null }, null, 2);
    for (const chunkSize of [13, 1, 1 << 20]) {
      const { report, errors } = await importFile(db.prisma, db.tenantId, pretty, 'json', undefined, chunkSize);
      expect(counts(report)).toMatchObject({ rowsTotal: 3, rejected: 1 });
      expect(errors).toEqual([{ rowNumber: 2, field: 'price', reason: 'price is required', value: null }]);
    }
    const { report } = await importFile(db.prisma, db.tenantId, JSON.stringify({ data: [{ sku: 'W-4', name: 'Compact', price: 4 }] }), 'json');
    expect(counts(report)).toMatchObject({ created: 1, rejected: 0 });
    expect(await skus()).toEqual(['W-1', 'W-3', 'W-4']);
  });

  it('a JSON-lines product whose first field is a list named "items" is not mistaken for a wrapper', async () => {
    await clear();
    const lines = '{"sku":"BUNDLE-1","name":"Bundle","price":9,"items":[{"sku":"P-1"}]}\n{"sku":"BUNDLE-2","name":"Other","price":8}\n';
    const { report } = await importFile(db.prisma, db.tenantId, lines, 'json');
    expect(counts(report)).toMatchObject({ created: 2, rejected: 0 });
    expect(await skus()).toEqual(['BUNDLE-1', 'BUNDLE-2']);
  });

  it('a wrapper that turns out ambiguous is refused whole, even after thousands of rows were staged and applied', async () => {
    const many = Array.from({ length: 3_000 }, (_, i) => ({ sku: `M-${i}`, name: `Many ${i}`, price: 1 }));
    await refused(JSON.stringify({ items: many, data: [{ sku: 'X', name: 'X', price: 1 }] }), 64 * 1024);
    await refused(JSON.stringify({ items: many, sku: 'BUNDLE', name: 'Bundle', price: 9 }), 64 * 1024);
  });
});
