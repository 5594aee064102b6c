import { describe, expect, it } from 'vitest';
import { formatCatalogContext } from '../../lib/ai/catalog-context.js';
import { answerChat, GREETING_ANSWER, NO_MATCH_ANSWER, PARTIAL_MATCH_NOTE } from './answer.js';

const system = {
  role: 'system',
  content: `Answer from the catalog only.\n${formatCatalogContext([
    { sku: 'TS-001', name: 'Blue Cotton T-Shirt', price: '19.90', currency: 'USD', stock: 12 },
    { sku: 'JK-220', name: 'Leather Jacket', price: '149.00', currency: 'USD', stock: 0, description: 'Brown genuine leather' },
    { sku: 'MUG-7', name: 'Café Mug', price: '8.00', currency: 'EUR' },
    { sku: 'SH-9', name: 'Running Shoes', price: '89.50', currency: 'USD', stock: 3 },
  ])}`,
};
const user = (content: string) => ({ role: 'user', content });

describe('fake model answers', () => {
  it('ignores accents, case and plurals', () => {
    expect(answerChat([system, user('Do you sell CAFE MUGS?')])).toBe('The Café Mug (SKU MUG-7) costs 8.00 EUR.');
    expect(answerChat([system, user('how much are the running shoe')])).toBe(
      "The Running Shoes (SKU SH-9) costs 89.50 USD. It's in stock.",
    );
  });

  it('finds a product by SKU written loosely and says when out of stock', () => {
    expect(answerChat([system, user('price of jk220?')])).toBe(
      "The Leather Jacket (SKU JK-220) costs 149.00 USD. It's currently out of stock.",
    );
  });

  it('greets greetings, in several languages', () => {
    for (const g of ['Hi!', 'hola buenas tardes', 'Olá', 'good morning']) expect(answerChat([system, user(g)])).toBe(GREETING_ANSWER);
  });

  it('only answers the turn after the last assistant message', () => {
    const answer = answerChat([system, user('leather jacket?'), { role: 'assistant', content: '...' }, user('and the mug?')]);
    expect(answer).toBe('The Café Mug (SKU MUG-7) costs 8.00 EUR.');
  });

  it('greets and says what it could not find in a mixed burst', () => {
    const answer = answerChat([system, user('hello'), user('t-shirt price?'), user('do you have umbrellas?')]);
    expect(answer).toBe(["Hello!", "The Blue Cotton T-Shirt (SKU TS-001) costs 19.90 USD. It's in stock.", PARTIAL_MATCH_NOTE].join('\n'));
  });

  it('does not match on filler words alone and has no catalog to invent from', () => {
    expect(answerChat([system, user('what do you have in stock please?')])).toBe(NO_MATCH_ANSWER);
    expect(answerChat([user('how much is the leather jacket?')])).toBe(NO_MATCH_ANSWER);
  });
});
