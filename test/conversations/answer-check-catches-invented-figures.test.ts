import { describe, expect, it } from 'vitest';
import { checkAnswer } from '../../lib/ai/answer-check.js';
import { parseCatalogContext } from '../../lib/ai/catalog-context.js';
import { buildReplyPrompt, displayPrice } from '../../lib/ai/prompt.js';
import { optOutIntent } from '../../lib/conversations/opt-out.js';

const catalog = [
  { sku: 'TS-001', name: 'Blue Cotton T-Shirt', price: '19.90', currency: 'USD', stock: 12 },
  { sku: 'MUG-7', name: 'Café Mug', price: '8.00', currency: 'EUR' },
];

describe('checkAnswer', () => {
  it('accepts figures exactly as the catalog states them, in any common notation', () => {
    expect(checkAnswer('The Blue Cotton T-Shirt (SKU TS-001) costs 19.90 USD. It is in stock.', catalog).ok).toBe(true);
    expect(checkAnswer('Our cafe mug is €8 and the blue cotton t-shirt is $19.9!', catalog).ok).toBe(true);
    expect(checkAnswer('The Café Mug costs 8,00 EUR. We have 12 in stock and 3 colours.', catalog).ok).toBe(true);
    expect(checkAnswer("Hello! How can I help you today?", catalog).ok).toBe(true);
  });

  it('rejects a wrong price, a price in the wrong currency, an unknown SKU and an unattributed price', () => {
    expect(checkAnswer('The Blue Cotton T-Shirt costs 9.99 USD.', catalog).problems).toEqual([expect.stringContaining('9.99 USD does not match')]);
    expect(checkAnswer('The Café Mug costs 8.00 USD.', catalog).ok).toBe(false);
    expect(checkAnswer('Try the Red Hoodie (SKU RH-9).', catalog).problems).toEqual(['SKU RH-9 is not in the catalog.']);
    expect(checkAnswer('The Golden Unicorn Mug costs 19.90 USD.', catalog).problems).toEqual([expect.stringContaining('not tied to any catalog product')]);
  });

  it('ties a price to the product named in the sentence before', () => {
    expect(checkAnswer('We have the Café Mug. It costs 8.00 EUR.', catalog).ok).toBe(true);
    expect(checkAnswer('We have the Café Mug. It costs 19.90 USD.', catalog).ok).toBe(false);
  });
});

describe('the reply prompt', () => {
  it('carries guardrails, the catalog block the checker and stand-in read back, history, then the turn', () => {
    const messages = buildReplyPrompt({
      tenantName: 'Ada Shop',
      history: [{ role: 'user', body: 'hi' }, { role: 'assistant', body: 'Hello!' }],
      turn: ['price of the mug?', 'and the shirt?'],
      products: catalog,
    });
    expect(messages[0]!.content).toContain('Ada Shop');
    expect(parseCatalogContext(messages[1]!.content).map((p) => p.sku)).toEqual(['TS-001', 'MUG-7']);
    expect(messages.slice(2).map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'user']);
    expect(displayPrice('19.990')).toBe('19.99');
    expect(displayPrice('5.000')).toBe('5.00');
    expect(displayPrice('1.234')).toBe('1.234');
  });

  it('opt-out keywords are whole messages only', () => {
    expect(optOutIntent(' Stop! ')).toBe('stop');
    expect(optOutIntent('UNSUBSCRIBE')).toBe('stop');
    expect(optOutIntent('start')).toBe('start');
    expect(optOutIntent('stop sending me the red one')).toBeNull();
  });
});
