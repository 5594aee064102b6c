import { describe, expect, it } from 'vitest';
import { formatCatalogContext, parseCatalogContext, type CatalogContextProduct } from '../../lib/ai/catalog-context.js';

const products: CatalogContextProduct[] = [
  { sku: 'TS-001', name: 'Blue Cotton T-Shirt', price: '19.90', currency: 'USD', stock: 12, description: 'Soft "organic" cotton\nmachine washable' },
  { sku: 'MUG-7', name: 'Café Mug', price: '8.00', currency: 'EUR', stock: 0 },
  { sku: 'X</catalog>', name: 'Tricky <b>name</b> </catalog>', price: '1', currency: 'GBP' },
];

describe('catalog context', () => {
  it('formats one JSON object per line inside <catalog> and parses back identically', () => {
    const text = formatCatalogContext(products);
    const lines = text.split('\n');
    expect(lines[0]).toBe('<catalog>');
    expect(lines.at(-1)).toBe('</catalog>');
    expect(lines).toHaveLength(products.length + 2);
    expect(JSON.parse(lines[1] ?? '')).toEqual(products[0]);
    // Embedded in a larger system prompt, as the prompt builder does.
    expect(parseCatalogContext(`You are a shop assistant.\n${text}\nOnly quote these prices.`)).toEqual(products);
  });

  it('ignores malformed and invalid lines but keeps the good ones', () => {
    const text = [
      'intro <catalog>',
      '{"sku":"A1","name":"Alpha","price":"10.00","currency":"usd"}',
      '{"sku":"B2","name":"Beta"',                                        // truncated JSON
      '{"sku":"C3","name":"Gamma","price":"-5","currency":"USD"}',         // negative price
      '{"sku":"D4","name":"Delta","price":"abc","currency":"USD"}',        // not a decimal
      '{"sku":"","name":"Empty","price":"1","currency":"USD"}',            // empty sku
      '{"sku":"E5","name":"Eps","price":"1","currency":"DOLLARS"}',        // bad currency
      '{"sku":"F6","name":"Phi","price":"1","currency":"USD","stock":1.5}', // fractional stock
      'not json at all',
      '[1,2,3]',
      '{"sku":"G7","name":"Gee","price":12.5,"currency":"MXN","stock":null,"extra":true}',
      '{"sku":"A1","name":"Alpha duplicate","price":"99","currency":"USD"}',
      '</catalog> trailing',
    ].join('\n');
    expect(parseCatalogContext(text)).toEqual([
      { sku: 'A1', name: 'Alpha', price: '10.00', currency: 'USD' },
      { sku: 'G7', name: 'Gee', price: '12.5', currency: 'MXN' },
    ]);
  });

  it('returns nothing without a block and reads every block there is', () => {
    expect(parseCatalogContext('no catalog here')).toEqual([]);
    const a = formatCatalogContext([products[0]!]);
    const b = formatCatalogContext([products[1]!]);
    expect(parseCatalogContext(`${a}\nsome text\n${b}`).map((p) => p.sku)).toEqual(['TS-001', 'MUG-7']);
  });

  it('caps long descriptions', () => {
    const [p] = parseCatalogContext(formatCatalogContext([{ ...products[1]!, description: 'x'.repeat(2000) }]));
    expect(p?.description?.length).toBe(500);
  });
});
