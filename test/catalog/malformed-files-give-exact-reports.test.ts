import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CatalogFileError } from '../../lib/catalog/errors.js';
import { createPrismaClient, type PrismaClient } from '../../lib/db/client.js';
import { counts, createTenant, importFile } from './helpers.js';

let prisma: PrismaClient;
const tenants: string[] = [];

beforeAll(() => {
  prisma = createPrismaClient(inject('databaseUrl'), { max: 3 });
});
afterAll(async () => {
  await prisma.tenant.deleteMany({ where: { id: { in: tenants } } });
  await prisma.$disconnect();
});

async function tenant(): Promise<string> {
  const id = await createTenant(prisma);
  tenants.push(id);
  return id;
}

describe('a CSV with some bad rows', () => {
  it('imports the good rows and reports each bad one with its spreadsheet row, field and reason', async () => {
    const tenantId = await tenant();
    const csv = [
      'sku,name,price,currency,stock,url,colour',
      'TS-1,T-shirt,19.99,usd,10,https://shop.example/ts-1,red', // row 2: ok, currency upper-cased
      'TS-2,,abc,,,,', // row 3: no name, bad price
      'TS-3,Hoodie,-5,,,,', // row 4: negative price
      'TS-4,Cap,12.3456,,,,', // row 5: 4 decimals
      'TS-5,Scarf,15,EURO,1.5,ftp://x,', // row 6: currency, stock, url
      'TS-1,T-shirt again,21,,,,', // row 7: duplicate SKU
      ',No SKU,3,,,,', // row 8: missing SKU
      'TS-6,Socks,"4,50",,,,', // row 9: comma decimal accepted
    ].join('\n');

    const { report, errors } = await importFile(prisma, tenantId, csv);

    expect(counts(report)).toEqual({ status: 'completed', rowsTotal: 8, rowsDone: 8, created: 2, updated: 0, unchanged: 0, rejected: 6 });
    expect(errors).toEqual([
      { rowNumber: 3, field: 'name', reason: 'name is required', value: null },
      { rowNumber: 3, field: 'price', reason: 'price must be a number like 19.99 (no currency symbols or thousands separators)', value: 'abc' },
      { rowNumber: 4, field: 'price', reason: 'price must be 0 or more', value: '-5' },
      { rowNumber: 5, field: 'price', reason: 'price has more than 3 decimals', value: '12.3456' },
      { rowNumber: 6, field: 'currency', reason: 'currency must be a 3-letter code like USD', value: 'EURO' },
      { rowNumber: 6, field: 'stock', reason: 'stock must be a whole number ≥ 0', value: '1.5' },
      { rowNumber: 6, field: 'url', reason: 'url must be an http(s) URL', value: 'ftp://x' },
      { rowNumber: 7, field: 'sku', reason: 'duplicate SKU: already on row 2', value: 'TS-1' },
      { rowNumber: 8, field: 'sku', reason: 'sku is required', value: null },
    ]);
    const products = await prisma.product.findMany({ where: { tenantId }, orderBy: { sku: 'asc' } });
    expect(products.map((p) => [p.sku, p.name, p.price?.toString(), p.currency, p.stock, p.attributes])).toEqual([
      ['TS-1', 'T-shirt', '19.99', 'USD', 10, { colour: 'red' }],
      ['TS-6', 'Socks', '4.5', 'USD', null, null],
    ]);
  });

  it('reads a BOM, a semicolon delimiter, header aliases, and quoted fields with delimiters, quotes and newlines', async () => {
    const tenantId = await tenant();
    const csv =
      '\uFEFFRéférence;Title;Prix;Description;Catégorie\r\n' +
      'B-1;"Bag; leather";"89,90";"Hand-made.\r\nSays ""hello"" inside.";Bags\r\n' +
      '\r\n' + // row 3: blank, skipped but counted like a spreadsheet row
      'B-2;Belt;25;;\r\n' +
      'B-3;Broken;12;x;y;extra\r\n'; // row 5: more values than columns

    const { report, errors } = await importFile(prisma, tenantId, csv);

    expect(counts(report)).toMatchObject({ rowsTotal: 3, created: 2, rejected: 1 });
    expect(errors).toEqual([
      { rowNumber: 5, field: null, reason: 'row has 6 values but the header has 5 columns (a delimiter inside an unquoted value?)', value: 'extra' },
    ]);
    const bag = await prisma.product.findUniqueOrThrow({ where: { tenantId_sku: { tenantId, sku: 'B-1' } } });
    expect([bag.name, bag.price?.toString(), bag.description, bag.category]).toEqual(['Bag; leather', '89.9', 'Hand-made.\r\nSays "hello" inside.', 'Bags']);
  });

  it('uses the catalog default currency when the file has none', async () => {
    const tenantId = await tenant();
    await prisma.catalog.create({ data: { tenantId, defaultCurrency: 'KWD' } });
    await importFile(prisma, tenantId, 'sku,name,price\nK-1,Dates,1.250\n');
    const product = await prisma.product.findUniqueOrThrow({ where: { tenantId_sku: { tenantId, sku: 'K-1' } } });
    expect([product.currency, product.price?.toString()]).toEqual(['KWD', '1.25']);
    expect((await prisma.catalog.findUniqueOrThrow({ where: { tenantId } })).productCount).toBe(1);
  });
});

describe('a JSON catalog', () => {
  it('reads an array of objects, numbers as prices and nested extras as attributes', async () => {
    const tenantId = await tenant();
    const json = JSON.stringify([
      { sku: 'J-1', title: 'Mug', price: 7.5, stock: 3, size: { ml: 350 } },
      { sku: 'J-2', name: 'Plate', price: '1e3' },
      42,
      { sku: 'J-3', name: 'Bowl ] with bracket', price: 4, image: 'https://cdn.example/bowl.jpg' },
    ], null, 2);
    const { report, errors } = await importFile(prisma, tenantId, json, 'json');
    expect(counts(report)).toMatchObject({ rowsTotal: 4, created: 2, rejected: 2 });
    expect(errors).toEqual([
      { rowNumber: 2, field: 'price', reason: 'price must be a number like 19.99 (no currency symbols or thousands separators)', value: '1e3' },
      { rowNumber: 3, field: null, reason: 'row is not a JSON object', value: '42' },
    ]);
    const mug = await prisma.product.findUniqueOrThrow({ where: { tenantId_sku: { tenantId, sku: 'J-1' } } });
    expect([mug.name, mug.price?.toString(), mug.stock, mug.attributes]).toEqual(['Mug', '7.5', 3, { size: { ml: 350 } }]);
  });

  it('reads JSON lines, numbering rows by line', async () => {
    const tenantId = await tenant();
    const lines = '{"sku":"L-1","name":"Lamp","price":"30"}\n\n{"sku":"L-2","name":"Shade"}\n{not json}\n';
    const { report, errors } = await importFile(prisma, tenantId, lines, 'json');
    expect(counts(report)).toMatchObject({ rowsTotal: 3, created: 1, rejected: 2 });
    expect(errors.map((e) => [e.rowNumber, e.field, e.reason.split(' (')[0]])).toEqual([
      [3, 'price', 'price is required'],
      [4, null, 'row is not valid JSON'],
    ]);
  });
});

describe('a file that cannot be read', () => {
  const cases: [string, string | Buffer, 'csv' | 'json', string][] = [
    ['empty', '', 'csv', 'empty_file'],
    ['header only', 'sku,name,price\n', 'csv', 'no_rows'],
    ['missing required columns', 'sku,title\nA,B\n', 'csv', 'missing_columns'],
    ['two columns for one field', 'sku,name,title,price\n1,a,b,2\n', 'csv', 'duplicate_columns'],
    // A Latin-1 / Windows-1252 file is read as such (text-encodings-are-detected.test.ts); UTF-8 text followed
    // by a byte that is not UTF-8 cannot be read either way without guessing.
    ['UTF-8, then a Latin-1 byte', Buffer.concat([Buffer.from('sku,name,price\nA,Crème,2\n'), Buffer.from('B,Caf\xe9,2\n', 'latin1')]), 'csv', 'invalid_encoding'],
    ['an unclosed quote', 'sku,name,price\nA,"Open,2\nB,Closed,3\n', 'csv', 'malformed_file'],
    ['a JSON array without its ]', '[{"sku":"a","name":"b","price":1}', 'json', 'malformed_file'],
    ['JSON that is not an array or objects', '"just a string"', 'json', 'malformed_file'],
  ];
  for (const [what, content, format, code] of cases) {
    it(`refuses ${what} (${code}) and writes nothing`, async () => {
      const tenantId = await tenant();
      const error = await importFile(prisma, tenantId, content, format).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CatalogFileError);
      expect((error as CatalogFileError).code).toBe(code);
      expect(await prisma.catalogImport.count({ where: { tenantId } })).toBe(0);
      expect(await prisma.product.count({ where: { tenantId } })).toBe(0);
      expect(await prisma.catalogImportError.count({ where: { tenantId } })).toBe(0);
    });
  }

  it('refuses a file over the size limit after staging part of it, leaving nothing behind', async () => {
    const tenantId = await tenant();
    const rows = Array.from({ length: 5_000 }, (_, i) => `S-${i},Item ${i},${i}.5`).join('\n');
    const error = await importFile(prisma, tenantId, `sku,name,price\n${rows}\n`, 'csv', 50_000).catch((e: unknown) => e);
    expect((error as CatalogFileError).code).toBe('file_too_large');
    expect((error as CatalogFileError).status).toBe(413);
    expect(await prisma.catalogImport.count({ where: { tenantId } })).toBe(0);
    expect(await prisma.catalogImportRow.count({ where: { tenantId } })).toBe(0);
  });
});
