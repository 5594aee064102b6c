import { describe, expect, it } from 'vitest';
import { CatalogFileError } from '../../lib/catalog/errors.js';
import { counts, importFile, NOTHING_WRITTEN, useCatalogTenant, windows1252, writtenRows } from './helpers.js';

const db = useCatalogTenant();
const MB = 1024 * 1024;

async function productNames(tenantId: string) {
  const products = await db.prisma.product.findMany({ where: { tenantId }, orderBy: { sku: 'asc' }, select: { sku: true, name: true } });
  return products.map((p) => [p.sku, p.name]);
}

async function refusal(content: Buffer, format: 'csv' | 'json' = 'csv', chunkSize?: number): Promise<CatalogFileError> {
  await clear();
  const error = await importFile(db.prisma, db.tenantId, content, format, undefined, chunkSize).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(CatalogFileError);
  expect(await writtenRows(db.prisma, db.tenantId)).toEqual(NOTHING_WRITTEN);
  return error as CatalogFileError;
}

async function clear() {
  await db.prisma.catalogImport.deleteMany({ where: { tenantId: db.tenantId } });
  await db.prisma.product.deleteMany({ where: { tenantId: db.tenantId } });
}

describe('a file that is not UTF-8', () => {
  it('is read as Windows-1252 (Excel\'s "CSV (Comma delimited)"), imported exactly, and the report says so', async () => {
    await clear();
    const csv = windows1252('sku,name,price,description\nCAFE-1,Café,12.50,Crème brûlée\nLOR-1,L’Oréal – 50 ml,9,Prix 10 €\n');
    expect(csv.includes(0xe9)).toBe(true);
    const { report, errors } = await importFile(db.prisma, db.tenantId, csv);
    expect(errors).toEqual([]);
    expect(counts(report)).toMatchObject({ status: 'completed', created: 2, rejected: 0 });
    expect(report.encoding).toBe('windows-1252');
    expect(await productNames(db.tenantId)).toEqual([
      ['CAFE-1', 'Café'],
      ['LOR-1', 'L’Oréal – 50 ml'],
    ]);
    const lor = await db.prisma.product.findFirstOrThrow({ where: { tenantId: db.tenantId, sku: 'LOR-1' } });
    expect(lor.description).toBe('Prix 10 €');
    const stored = await db.prisma.catalogImport.findUniqueOrThrow({ where: { id: report.id } });
    expect(stored.encoding).toBe('windows-1252');
  });

  it('switches to Windows-1252 at the first invalid byte even after more than 1 MB of plain ASCII', async () => {
    await clear();
    const filler = Array.from({ length: 1_100 }, (_, i) => `L-${i},Lamp ${i},1.5,${'Bright desk lamp. '.repeat(60)}`).join('\n');
    const csv = Buffer.concat([Buffer.from(`sku,name,price,description\n${filler}\n`), windows1252('CAFE-1,Café,12.50,Dernière ligne\n')]);
    expect(csv.indexOf(0xe9)).toBeGreaterThan(MB);
    for (const chunkSize of [64 * 1024, 4_093]) {
      const { report } = await importFile(db.prisma, db.tenantId, csv, 'csv', undefined, chunkSize);
      expect(report.encoding).toBe('windows-1252');
      expect(report.rejected).toBe(0);
      expect((await db.prisma.product.findFirstOrThrow({ where: { tenantId: db.tenantId, sku: 'CAFE-1' } })).name).toBe('Café');
      expect(await db.prisma.product.count({ where: { tenantId: db.tenantId } })).toBe(1_101);
    }
  });

  it('ends in a Windows-1252 character (the decision is made at the very last byte)', async () => {
    await clear();
    const { report } = await importFile(db.prisma, db.tenantId, windows1252('sku,price,name\nE-1,3,Entrée'));
    expect(report.encoding).toBe('windows-1252');
    expect(await productNames(db.tenantId)).toEqual([['E-1', 'Entrée']]);
  });
});

describe('a UTF-8 file', () => {
  it('is read as UTF-8 with or without a BOM, and the report says utf-8', async () => {
    for (const bom of ['\uFEFF', '']) {
      await clear();
      const { report } = await importFile(db.prisma, db.tenantId, `${bom}sku,name,price\nCR-1,Crème brûlée 🍮,4\nAS-1,ASCII only,2\n`);
      expect(report.encoding).toBe('utf-8');
      expect(await productNames(db.tenantId)).toEqual([
        ['AS-1', 'ASCII only'],
        ['CR-1', 'Crème brûlée 🍮'],
      ]);
    }
  });

  it('rejects a row with a NUL byte (row error, not a failed upload) and keeps the NUL out of the report', async () => {
    await clear();
    const csv = 'sku,name,price\nN-1,Good,1\nN-2,Bad\0name,2\nN-3,Also good,3\n';
    const { report, errors } = await importFile(db.prisma, db.tenantId, csv);
    expect(counts(report)).toMatchObject({ status: 'completed', created: 2, rejected: 1 });
    expect(errors).toEqual([{ rowNumber: 3, field: null, reason: expect.stringContaining('NUL'), value: null }]);

    // JSON: the escape \u0000 parses to a NUL character; a raw NUL byte is not valid JSON.
    const lines = '{"sku":"J-1","name":"Nul\\u0000name","price":1}\n{"sku":"J-2","name":"Fine","price":2}\n{"sku":"J-3",\0"name":"x","price":3}\n';
    const json = await importFile(db.prisma, db.tenantId, lines, 'json');
    expect(counts(json.report)).toMatchObject({ status: 'completed', created: 1, rejected: 2 });
    expect(json.errors.map((e) => [e.rowNumber, e.field, e.reason.slice(0, 20)])).toEqual([
      [1, null, expect.stringContaining('NUL')],
      [3, null, 'row is not valid JSO'],
    ]);
    for (const e of json.errors) expect(`${e.reason}${e.value}`).not.toContain('\0');
  });
});

describe('a file that cannot be read', () => {
  it('mixes UTF-8 and another encoding: refused, naming the line and byte and how to fix it', async () => {
    const mixed = Buffer.concat([Buffer.from('sku,name,price\nCR-1,Crème,4\n'), windows1252('CAFE-1,Café,12.50\n')]);
    for (const chunkSize of [13, 1, 1 << 20]) {
      const error = await refusal(mixed, 'csv', chunkSize);
      expect(error.code).toBe('invalid_encoding');
      expect(error.status).toBeGreaterThanOrEqual(400);
      expect(error.status).toBeLessThan(500);
      expect(error.message).toMatch(/line 3\b/);
      expect(error.message).toContain('0xE9');
      expect(error.message).toContain('CSV UTF-8');
    }
  });

  it('has a UTF-8 BOM but then a byte that is not UTF-8: refused as mixed, not guessed', async () => {
    const error = await refusal(Buffer.concat([Buffer.from('\uFEFFsku,name,price\n'), windows1252('CAFE-1,Café,12.50\n')]));
    expect(error.code).toBe('invalid_encoding');
    expect(error.message).toMatch(/line 2\b/);
  });

  it('is UTF-16 (with either BOM, or none): refused, naming UTF-16', async () => {
    const text = 'sku,name,price\nA-1,Apple,1\n';
    const le = Buffer.from(`\uFEFF${text}`, 'utf16le');
    const be = Buffer.from(le).swap16();
    const noBom = Buffer.from(text, 'utf16le');
    for (const content of [le, be, noBom]) {
      const error = await refusal(content);
      expect(error.code).toBe('invalid_encoding');
      expect(error.message).toContain('UTF-16');
    }
  });

  it('is an Excel workbook (a zip file) sent as CSV: refused, saying what it is', async () => {
    const xlsx = Buffer.concat([Buffer.from('PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00', 'latin1'), Buffer.from('[Content_Types].xml'), Buffer.alloc(64, 0x9c)]);
    const error = await refusal(xlsx);
    expect(error.code).toBe('invalid_encoding');
    expect(error.message).toContain('Excel workbook');
  });
});
