// The answer check's policy half: delivery times, fees and return windows must be in the policies shown.
import { describe, expect, it } from 'vitest';
import { checkAnswer } from '../../lib/ai/answer-check.js';
import { RETURNS_POLICY, SHIPPING_POLICY } from './support.js';

const catalog = [
  { sku: 'MUG-7', name: 'Ceramic Coffee Mug', price: '8.00', currency: 'USD', description: 'Keeps coffee warm for 2 hours' },
];
const policies = [`Shipping\n${SHIPPING_POLICY}`, `Returns\n${RETURNS_POLICY}`];
const ok = (answer: string, p = policies) => checkAnswer(answer, catalog, p).ok;

describe('policy claims in answers', () => {
  it('passes delivery times, fees and return windows the policies state', () => {
    expect(ok('Delivery takes 3-5 business days within the EU.')).toBe(true);
    expect(ok('Orders ship within 1 business day.')).toBe(true);
    expect(ok('Shipping costs 4.90 USD, and shipping is free on orders over 50 USD.')).toBe(true);
    expect(ok('You can return it within 30 days of delivery.')).toBe(true);
    expect(ok('La entrega tarda 3-5 días hábiles.')).toBe(true);
    expect(ok('The Ceramic Coffee Mug costs 8.00 USD and arrives keeping coffee warm for 2 hours.')).toBe(true);
  });

  it('refuses the ones they do not', () => {
    expect(checkAnswer('Delivery takes 1-2 business days.', catalog, policies).problems).toEqual([expect.stringContaining('"1-2 business days" is not in the shop\'s policies')]);
    expect(ok('You can return it within 60 days.')).toBe(false);
    expect(ok('Shipping costs 2.50 USD.')).toBe(false);
    expect(ok('Die Lieferung dauert 2 Wochen.')).toBe(false);
    expect(ok('Le remboursement prend 14 jours.')).toBe(false);
    // No policies at all: any delivery time is invented.
    expect(ok('Delivery takes 3-5 business days.', [])).toBe(false);
  });

  it('leaves other numbers and product prices to the catalog check', () => {
    expect(ok('The Ceramic Coffee Mug costs 8.00 USD.')).toBe(true);
    expect(ok('The Ceramic Coffee Mug costs 4.90 USD.')).toBe(false);
    expect(ok('We have 3 colours of the Ceramic Coffee Mug.')).toBe(true);
  });
});
