import { describe, expect, it } from 'vitest';
import { detectDelimiter, readCsvRows } from '../../lib/catalog/parse-csv.js';
import { readJsonRows } from '../../lib/catalog/parse-json.js';
import { decodeText, type DecodeInfo } from '../../lib/catalog/decode.js';
import { chunked, windows1252 } from './helpers.js';

async function rows(reader: typeof readCsvRows, content: string, chunk: number) {
  const out: unknown[] = [];
  for await (const row of reader(decodeText(chunked(content, chunk), 1e6))) out.push(row);
  return out;
}

async function decoded(content: Buffer, chunk: number): Promise<DecodeInfo & { text: string }> {
  const info: DecodeInfo = { bytes: 0, encoding: 'utf-8' };
  let text = '';
  for await (const piece of decodeText(chunked(content, chunk), 1e6, info)) text += piece;
  return { ...info, text };
}

describe('streamed parsing', () => {
  it('detects the delimiter from the header line, ignoring quoted ones', () => {
    expect(detectDelimiter('sku;name;"price, EUR"\n1;2;3')).toBe(';');
    expect(detectDelimiter('\uFEFFsku\tname\tprice')).toBe('\t');
    expect(detectDelimiter('"a;b",c,d')).toBe(',');
    expect(detectDelimiter('sku')).toBe(',');
  });

  it('gives the same rows whatever the chunk boundaries (multi-byte characters, quotes, escapes)', async () => {
    const csv = '\uFEFFsku,name,price\r\nÉ-1,"Crème ""brûlée""\nx",3\r\nZ-2,Ünïcödé 🍰,4\r\n';
    const json = '[{"sku":"É-1","name":"a \\" ] } , [ {","price":3},\n {"sku":"Z-2","name":"🍰","price":4, "x": [1, {"y": "]"}]}]';
    const csvWhole = await rows(readCsvRows, csv, 1 << 20);
    const jsonWhole = await rows(readJsonRows, json, 1 << 20);
    expect(csvWhole).toHaveLength(2);
    expect(jsonWhole).toEqual([
      { rowNumber: 1, fields: { sku: 'É-1', name: 'a " ] } , [ {', price: 3 }, attributes: {} },
      { rowNumber: 2, fields: { sku: 'Z-2', name: '🍰', price: 4 }, attributes: { x: [1, { y: ']' }] } },
    ]);
    for (const size of [1, 2, 3, 5, 7]) {
      expect(await rows(readCsvRows, csv, size)).toEqual(csvWhole);
      expect(await rows(readJsonRows, json, size)).toEqual(jsonWhole);
    }
  });

  it('reports a bad element as a row, and refuses JSON whose array structure is broken', async () => {
    // A missing comma glues two objects into one element: that row is reported, the file goes on.
    expect(await rows(readJsonRows, '[{"a":1} {"b":2}, {"sku":"x"}]', 4)).toEqual([
      expect.objectContaining({ rowNumber: 1, field: null, reason: expect.stringMatching(/^row is not valid JSON/) }),
      { rowNumber: 2, fields: { sku: 'x' }, attributes: {} },
    ]);
    await expect(rows(readJsonRows, '[{"a":1},,{"b":2}]', 4)).rejects.toThrow('empty element after element 1');
    await expect(rows(readJsonRows, '[{"a":1}] trailing', 4)).rejects.toThrow('content after the closing ]');
    await expect(rows(readJsonRows, '   ', 4)).rejects.toThrow('only whitespace');
  });

  it('decodes UTF-8 and Windows-1252 to the same text whatever the chunk boundaries', async () => {
    const utf8 = 'a,b\n\u00e9\u20ac\ud83c\udf70\uFEFF\u07d3,\u00c9\u00ae\n';
    // After the first invalid byte (é then a space), pairs that would read as UTF-8 (É® → C9 AE, ß“ → DF 93) are 1252.
    const latin = 'sku,name\nCaf\u00e9 CAF\u00c9\u00ae,Fu\u00df\u201c \u20ac\n\u00ff';
    for (const size of [1, 2, 3, 4, 5, 7, 1 << 20]) {
      expect(await decoded(Buffer.from(`\uFEFF${utf8}`), size)).toEqual({ bytes: Buffer.byteLength(utf8) + 3, encoding: 'utf-8', text: utf8 });
      expect(await decoded(windows1252(latin), size)).toEqual({ bytes: latin.length, encoding: 'windows-1252', text: latin });
    }
  });
});
