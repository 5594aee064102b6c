// The answer check's policy half: delivery times, fees and return windows must be in the policies shown, each
// in the policy of its own topic (a delivery time in the shipping policy, a return window in the returns one).
import { describe, expect, it } from 'vitest';
import { checkAnswer } from '../../lib/ai/answer-check.js';
import type { PolicyText } from '../../lib/ai/policy-check.js';
import { RETURNS_POLICY, SHIPPING_POLICY } from './support.js';

const catalog = [
  { sku: 'MUG-7', name: 'Ceramic Coffee Mug', price: '8.00', currency: 'USD', description: 'Keeps coffee warm for 2 hours' },
];
const policies: PolicyText[] = [
  { topic: 'shipping', text: `Shipping\n${SHIPPING_POLICY}` },
  { topic: 'returns', text: `Returns\n${RETURNS_POLICY}` },
];
const ok = (answer: string, p = policies) => checkAnswer(answer, catalog, p).ok;

describe('policy claims in answers', () => {
  it('passes delivery times, fees and return windows the policies state', () => {
    expect(ok('Delivery takes 3-5 business days within the EU.')).toBe(true);
    expect(ok('Delivery takes 3 to 5 business days.')).toBe(true);
    expect(ok('Orders ship within 1 business day.')).toBe(true);
    expect(ok('Shipping costs 4.90 USD, and shipping is free on orders over 50 USD.')).toBe(true);
    expect(ok('Shipping costs $4.90.')).toBe(true);
    expect(ok('You can return it within 30 days of delivery.')).toBe(true);
    expect(ok('Within 30 days of delivery you can return it, and returns are free.')).toBe(true);
    expect(ok('Orders ship within 1 business day and you have 30 days to return them.')).toBe(true);
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

  it('reads each claim against the policy of its topic, ranges as a pair and fees only with a currency', () => {
    // 5 is a delivery number ("3-5 business days"), not a return window.
    expect(checkAnswer('You can return it within 5 days.', catalog, policies).problems).toEqual([expect.stringContaining('"5 days" is not in the shop\'s policies as a return window')]);
    // 1 and 3 are each in the shipping policy, but "1-3" is not a range it states.
    expect(checkAnswer('Delivery takes 1-3 business days.', catalog, policies).problems).toEqual([expect.stringContaining('"1-3 business days" is not in the shop\'s policies as a delivery time')]);
    expect(ok('Delivery takes 3 business days.')).toBe(false);
    // 30 is a number of days in the returns policy, never an amount of money.
    expect(ok('Shipping costs 30 USD.')).toBe(false);
    expect(ok('Shipping costs 30.')).toBe(false);
    // 30 days is a return window, not a delivery time; 1 business day is a dispatch time, not a return window.
    expect(ok('Delivery takes 30 days.')).toBe(false);
    expect(ok('Returns are accepted within 1 business day.')).toBe(false);
    // "Returns are free" does not make shipping free, and the amount must be in the currency the policy gives.
    expect(ok('Shipping is free.', [{ topic: 'shipping', text: 'Shipping costs 4.90 USD.' }, { topic: 'returns', text: RETURNS_POLICY }])).toBe(false);
    expect(ok('Shipping costs 4.90 EUR.')).toBe(false);
    // A shipping policy filed under another topic does not back a return window, nor a returns policy a delivery time.
    expect(ok('You can return it within 30 days.', [{ topic: 'shipping', text: RETURNS_POLICY }])).toBe(false);
    expect(ok('Delivery takes 3-5 business days.', [{ topic: 'returns', text: SHIPPING_POLICY }])).toBe(false);
  });

  it('reads a passage filed under another topic sentence by sentence', () => {
    const general: PolicyText[] = [{ topic: 'other', text: `Store terms\n${SHIPPING_POLICY} ${RETURNS_POLICY}` }];
    expect(ok('Delivery takes 3-5 business days.', general)).toBe(true);
    expect(ok('You can return it within 30 days of delivery.', general)).toBe(true);
    expect(ok('Shipping costs 4.90 USD.', general)).toBe(true);
    expect(ok('You can return it within 5 days.', general)).toBe(false);
    expect(ok('Shipping costs 30 USD.', general)).toBe(false);
    // The payments policy's fees back a fee on either topic.
    const withPayments: PolicyText[] = [...policies, { topic: 'payments', text: 'Cash on delivery costs 2.00 USD extra.' }];
    expect(ok('Cash on delivery costs 2.00 USD.', withPayments)).toBe(true);
    expect(ok('Cash on delivery costs 2.00 USD.')).toBe(false);
  });

  it('leaves other numbers and product prices to the catalog check', () => {
    expect(ok('The Ceramic Coffee Mug costs 8.00 USD.')).toBe(true);
    expect(ok('The Ceramic Coffee Mug costs 4.90 USD.')).toBe(false);
    expect(ok('We have 3 colours of the Ceramic Coffee Mug.')).toBe(true);
  });
});
