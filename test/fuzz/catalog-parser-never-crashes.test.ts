// Property-based fuzzing of the catalog file reader, at the library level (no HTTP, no database): the same
// chain an upload goes through before staging (lib/catalog/receive.ts → stage.ts): decodeText → readCsvRows /
// readJsonRows → validateProductRow. Whatever the bytes, it either yields one result per row (a valid
// product, or row errors with a row number and a reason) or throws a CatalogFileError (the route's 4xx):
// never any other exception, never a stack overflow, whatever the chunking.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeText } from '../../lib/catalog/decode.js';
import { CatalogFileError, type RowError } from '../../lib/catalog/errors.js';
import { readCsvRows } from '../../lib/catalog/parse-csv.js';
import { readJsonRows } from '../../lib/catalog/parse-json.js';
import { validateProductRow, type NormalisedProduct, type RawProductRow } from '../../lib/catalog/product-row.js';
import { BOUNDED, deeplyNested, watchUncaught } from './support.js';

type Format = 'csv' | 'json';
type Outcome = { kind: 'rows'; products: NormalisedProduct[]; errors: RowError[] } | { kind: 'refused'; error: CatalogFileError };

/** The file as the network delivers it: in chunks of `size` bytes (a character or a quote may be cut). */
async function* chunked(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  // At most ~2,000 chunks: tiny chunks find boundary bugs on small files without making large ones slow.
  const step = Math.max(size, Math.ceil(bytes.length / 2_000));
  for (let i = 0; i < bytes.length; i += step) yield bytes.subarray(i, i + step);
}

const uncaught = watchUncaught();

/** The upload's reading chain up to (not including) staging. Any exception but CatalogFileError escapes. */
async function readFile(content: Buffer | string, format: Format, chunkSize = 64 * 1024, maxBytes = 200 * 1024 * 1024): Promise<Outcome> {
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  const products: NormalisedProduct[] = [];
  const errors: RowError[] = [];
  try {
    const text = decodeText(chunked(bytes, chunkSize), maxBytes);
    const rows: AsyncIterable<RawProductRow | RowError> = format === 'csv' ? readCsvRows(text) : readJsonRows(text);
    for await (const row of rows) {
      if ('reason' in row) {
        errors.push(row);
        continue;
      }
      const result = validateProductRow(row, 'USD');
      if (result.ok) products.push(result.product);
      else errors.push(...result.errors);
    }
  } catch (error) {
    if (!(error instanceof CatalogFileError)) throw error;
    await uncaught.expectNone();
    return { kind: 'refused', error };
  }
  await uncaught.expectNone();
  return { kind: 'rows', products, errors };
}

/** What every outcome must look like: a refusal with a status and a message, or well-formed row results. */
function expectWellFormed(outcome: Outcome): void {
  if (outcome.kind === 'refused') {
    expect(outcome.error.status).toBeGreaterThanOrEqual(400);
    expect(outcome.error.status).toBeLessThan(500);
    expect(outcome.error.message.trim()).not.toBe('');
    return;
  }
  for (const e of outcome.errors) {
    expect(Number.isInteger(e.rowNumber), JSON.stringify(e)).toBe(true);
    expect(e.rowNumber, JSON.stringify(e)).toBeGreaterThanOrEqual(1);
    expect(typeof e.reason).toBe('string');
    expect(e.reason.trim(), JSON.stringify(e)).not.toBe('');
    if (e.value !== null) expect(e.value.length).toBeLessThanOrEqual(200);
  }
  for (const p of outcome.products) {
    expect(p.rowNumber).toBeGreaterThanOrEqual(1);
    expect(p.sku.trim()).not.toBe('');
    expect(p.name.trim()).not.toBe('');
    expect(p.price).toMatch(/^\d+(\.\d{1,3})?$/);
    expect(p.rowHash).toMatch(/^[A-Za-z0-9_-]{43}$/);
  }
}

/** Row numbers that got a result (a product or at least one error). */
const rowsWithResults = (outcome: Outcome) =>
  outcome.kind === 'rows' ? [...new Set([...outcome.products.map((p) => p.rowNumber), ...outcome.errors.map((e) => e.rowNumber)])].sort((a, b) => a - b) : [];

const PROPERTY = { ...BOUNDED, numRuns: 200 } as const;
const chunkSize = fc.oneof(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 17, max: 4096 }));
const format = fc.constantFrom<Format>('csv', 'json');

// ---------------------------------------------------------------------------------------------------------
// Unstructured input

/** Bytes that look like something: BOMs, UTF-16, zip headers, invalid UTF-8, Windows-1252, NULs. */
const bytePrefix = fc.constantFrom(
  Buffer.alloc(0),
  Buffer.from([0xef, 0xbb, 0xbf]),
  Buffer.from([0xff, 0xfe]),
  Buffer.from([0xfe, 0xff]),
  Buffer.from('PK\x03\x04', 'latin1'),
  Buffer.from('sku,name,price\n'),
  Buffer.from('[{"sku":'),
  Buffer.from('{"products":['),
);
const bytes = fc
  .tuple(bytePrefix, fc.oneof(fc.uint8Array({ maxLength: 2048 }), fc.uint8Array({ maxLength: 64, max: 0x7f }), fc.uint8Array({ maxLength: 64, min: 0x80 })))
  .map(([prefix, body]) => Buffer.concat([prefix, Buffer.from(body)]));

describe('the catalog reader under fuzzing', () => {
  it('arbitrary bytes as CSV or JSON, in any chunking: rows or a CatalogFileError, never another exception', async () => {
    await fc.assert(
      fc.asyncProperty(bytes, format, chunkSize, async (content, f, size) => {
        expectWellFormed(await readFile(content, f, size));
      }),
      PROPERTY,
    );
  });

  it('arbitrary text (lone surrogates included) as CSV or JSON: rows or a CatalogFileError', async () => {
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 500 }),
      fc.string({ unit: fc.constantFrom(...'{}[]":,\\\n\r\t u0123456789abcdefnulltruefalse\0\uD800\uDC00é;|'), maxLength: 300 }),
      fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
      fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 5 }).map((lines) => lines.map((v) => JSON.stringify(v)).join('\n')),
    );
    await fc.assert(
      fc.asyncProperty(text, format, chunkSize, async (content, f, size) => {
        expectWellFormed(await readFile(content, f, size));
      }),
      PROPERTY,
    );
  });

  it('a file over the size limit is refused as file_too_large (413), whatever its content', async () => {
    await fc.assert(
      fc.asyncProperty(bytes, format, fc.integer({ min: 1, max: 64 }), async (content, f, max) => {
        fc.pre(content.length > max);
        const outcome = await readFile(content, f, 7, max);
        expect(outcome.kind).toBe('refused');
        if (outcome.kind === 'refused') expect([outcome.error.code, outcome.error.status]).toEqual(['file_too_large', 413]);
      }),
      { ...PROPERTY, numRuns: 50 },
    );
  });

  // -------------------------------------------------------------------------------------------------------
  // Structured CSV: a valid header and random cells, written as a correct CSV. No refusal is acceptable
  // then (every cell is under the 1 MB record limit), and every non-blank record gets exactly one result.

  it('CSV with a valid header and random cells: one result per non-blank row, at its spreadsheet row number', async () => {
    const DELIMITERS = [',', ';', '\t', '|'] as const;
    const header = fc
      .tuple(
        fc.shuffledSubarray(['sku', 'name', 'price', 'currency', 'description', 'stock', 'category', 'url', 'image'], { minLength: 3 }),
        fc.constantFrom(['Product Name', 'SKU', 'Unit Price'], ['title', 'id', 'amount'], ['Nombre', 'Referencia', 'Precio'], null),
        fc.array(fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.constantFrom('Size', 'Colour', 'Größe', 'x;y', 'a"b', 'line\nbreak')), { maxLength: 4 }),
      )
      .map(([fields, aliases, extra]) => {
        // Required columns under their own or their other names; extras must not mean a product field.
        const names = aliases ? [...aliases, ...fields.filter((f) => !['sku', 'name', 'price'].includes(f))] : [...new Set([...fields, 'sku', 'name', 'price'])];
        return [...names, ...extra.map((e) => `x-${e}`)];
      })
      .chain((names) => fc.shuffledSubarray(names, { minLength: names.length, maxLength: names.length }));
    const cell = fc.oneof(
      { weight: 6, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
      { weight: 3, arbitrary: fc.constantFrom('19.99', '19,99', '1,234', '-1', '0', '12.3456', '99999999999', '1e3', 'USD', 'eur', 'https://shop.example/p/1', 'ftp://x', '7', '2147483648', ' ', '') },
      { weight: 3, arbitrary: fc.string({ unit: fc.constantFrom('"', ',', ';', '\t', '|', '\n', '\r', '\r\n', ' ', 'a', '\0', '\ufeff', 'é'), maxLength: 12 }) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom('x', 'é', '"', '\n'), fc.integer({ min: 1_000, max: 100_000 })).map(([c, n]) => c.repeat(n)) },
    );
    const csv = fc
      .tuple(header, fc.constantFrom(...DELIMITERS), fc.constantFrom('\n', '\r\n'), fc.boolean())
      .chain(([names, delimiter, eol, bom]) =>
        fc
          .array(
            fc.oneof(
              { weight: 8, arbitrary: fc.array(cell, { minLength: names.length, maxLength: names.length }) },
              { weight: 1, arbitrary: fc.array(cell, { maxLength: names.length + 2 }) },
              { weight: 1, arbitrary: fc.constant<string[]>([]) },
            ),
            { maxLength: 12 },
          )
          .map((records) => ({ names, delimiter, eol, bom, records })),
      );
    await fc.assert(
      fc.asyncProperty(csv, chunkSize, async ({ names, delimiter, eol, bom, records }, size) => {
        const write = (cells: string[]) => cells.map((c) => quoteCell(c, delimiter)).join(delimiter);
        const text = `${bom ? '\ufeff' : ''}${[names, ...records].map(write).join(eol)}${eol}`;
        const outcome = await readFile(text, 'csv', size);
        expectWellFormed(outcome);
        expect(outcome.kind, outcome.kind === 'refused' ? outcome.error.message : '').toBe('rows');
        // Header = row 1; a record whose cells are all blank is skipped, every other one has a result.
        const expected = records.flatMap((cells, i) => (cells.every((c) => c.trim() === '') ? [] : [i + 2]));
        expect(rowsWithResults(outcome)).toEqual(expected);
      }),
      PROPERTY,
    );
  });

  // -------------------------------------------------------------------------------------------------------
  // Structured JSON: arrays / JSON lines / wrappers of objects with known columns and random values,
  // including values nested far deeper than any product (a row error, never a crash).

  it('JSON lists of random objects, deeply nested values included: one result per element, never a crash', async () => {
    const KNOWN = ['sku', 'name', 'price', 'currency', 'description', 'stock', 'category', 'url', 'image', 'title', 'id', 'amount', 'qty'];
    const deep = fc
      .tuple(fc.constantFrom(10, 1_000, 5_000, 50_000, 200_000), fc.constantFrom<'array' | 'object'>('array', 'object'), fc.constantFrom('1', '"x"', '"\\u0000"', 'null', '[]'))
      .map(([depth, kind, leaf]) => deeplyNested(depth, kind, leaf));
    const value = fc.oneof(
      { weight: 6, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null') },
      { weight: 3, arbitrary: fc.constantFrom('"SKU-1"', '"Blue shirt"', '19.99', '"19,99"', '-5', '1e400', '"USD"', '"\\u0000"', '"\\ud800"', '7', '""', 'null', 'true') },
      { weight: 1, arbitrary: deep },
    );
    const object = fc
      .tuple(
        fc.constantFrom('sku', 'id'),
        value,
        // Often a complete product around the random columns, so a deep extra column meets the valid path.
        fc.constantFrom<Array<readonly [string, string]>>([], [['name', '"Mug"'], ['price', '8']]),
        fc.array(fc.tuple(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...KNOWN) }, { weight: 2, arbitrary: fc.constantFrom('size', 'colour', 'tags') }, { weight: 1, arbitrary: fc.string({ maxLength: 10 }) }), value), { maxLength: 6 }),
      )
      // Hand-written so keys may repeat (JSON.parse keeps the last) and deep values stay text.
      .map(([skuKey, skuValue, base, rest]) => `{${[[skuKey, skuValue] as const, ...base, ...rest].map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`);
    // Now and then an element that is not valid JSON (balanced, so it stays one element): a row error of its own.
    const broken = fc.constantFrom('{"sku" "B-1"}', '{"sku":"B-2",}', '{sku:1}', '{"sku":NaN}', '{"sku":"\\x"}');
    // `showsField`: whether the row shows the file is a catalog; a row error without a field (a NUL, not JSON) does not.
    const element = fc.oneof(
      { weight: 8, arbitrary: object.map((text) => ({ text, showsField: !text.includes('\\u0000') })) },
      { weight: 1, arbitrary: broken.map((text) => ({ text, showsField: false })) },
    );
    const file = fc.tuple(fc.array(element, { minLength: 1, maxLength: 8 }), fc.constantFrom('array', 'lines', 'wrapper')).map(([elements, shape]) => {
      const texts = elements.map((e) => e.text);
      const text = shape === 'array' ? `[${texts.join(',\n')}]` : shape === 'lines' ? `${texts.join('\n')}\n` : `{"products": [${texts.join(',')}]}`;
      return { text, count: elements.length, noFieldShown: elements.every((e) => !e.showsField) };
    });
    await fc.assert(
      fc.asyncProperty(file, chunkSize.map((n) => n * 64), async ({ text, count, noFieldShown }, size) => {
        const outcome = await readFile(text, 'json', size);
        expectWellFormed(outcome);
        if (outcome.kind === 'refused') {
          // Only an element over the 1 MB bound may refuse a file of well-formed objects. Known, left as is: when
          // every row is an error without a field (a NUL, or not JSON), the file is refused as not a catalog.
          if (noFieldShown && outcome.error.code === 'not_a_catalog') return;
          expect(outcome.error.message).toMatch(/larger than 1 MB/);
          return;
        }
        // Element i (or line i) is row i, in every shape used here.
        expect(rowsWithResults(outcome)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
      }),
      { ...PROPERTY, numRuns: 150 },
    );
  });

  it('a value nested 1,000 / 10,000 / 100,000 levels deep in a known column is a row error for that row', async () => {
    for (const depth of [1_000, 10_000, 100_000]) {
      for (const kind of ['array', 'object'] as const) {
        for (const leaf of ['1', '"\\u0000"']) {
          const nested = deeplyNested(depth, kind, leaf);
          const file = `[{"sku":"A-1","name":"Fine","price":5},{"sku":"B-2","name":${nested},"price":5},{"sku":"C-3","name":"Fine too","price":5,"extra":${nested}}]`;
          const outcome = await readFile(file, 'json', 4096);
          expectWellFormed(outcome);
          expect(outcome.kind).toBe('rows');
          if (outcome.kind !== 'rows') continue;
          expect(outcome.products.map((p) => p.sku)).toContain('A-1');
          expect(outcome.errors.filter((e) => e.rowNumber === 2).length, `${depth} ${kind} ${leaf}`).toBeGreaterThan(0);
          // Row 3 keeps its deep value as an attribute or refuses it as a row error: either is fine, not a crash.
          expect(rowsWithResults(outcome)).toEqual([1, 2, 3]);
        }
      }
    }
  });
});

/** One CSV cell, quoted when it has to be (any candidate delimiter too: the header's decides the file's). */
function quoteCell(cell: string, delimiter: string): string {
  return /[",;\t|\r\n]/.test(cell) || cell.includes(delimiter) || cell.startsWith('\ufeff') ? `"${cell.replaceAll('"', '""')}"` : cell;
}
