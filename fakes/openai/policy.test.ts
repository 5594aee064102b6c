import { describe, expect, it } from 'vitest';
import { inventDurations, knowledgeAnswer, questionTopics } from './policy.js';

const passages = [
  { source: 'K1', kind: 'policy' as const, topic: 'shipping', title: 'Shipping', text: 'Orders ship within 1 business day. Delivery takes 3-5 business days within the EU.' },
  { source: 'K2', kind: 'faq' as const, topic: 'payments', title: 'Do you take PayPal?', text: 'Yes, PayPal and all major cards.' },
];

describe('the fake and the merchant’s policies', () => {
  it('names the policy topics of a question in several languages', () => {
    expect(questionTopics('How long does delivery take?')).toEqual(['shipping']);
    expect(questionTopics('¿Puedo devolver un artículo?')).toEqual(['returns']);
    expect(questionTopics('Kann ich mit Karte bezahlen?')).toEqual(['payments']);
    expect(questionTopics('How much is the mug?')).toEqual([]);
  });

  it('answers word for word from the passage that shares the most words', () => {
    expect(knowledgeAnswer('How long does delivery take?', passages)).toBe('Delivery takes 3-5 business days within the EU.');
    expect(knowledgeAnswer('Do you take PayPal?', passages)).toBe('Yes, PayPal and all major cards.');
    expect(knowledgeAnswer('Is the mug blue?', passages)).toBeNull();
  });

  it('invents a delivery time on request', () => {
    expect(inventDurations('Delivery takes 3-5 business days within the EU.')).toBe('Delivery takes 10-12 business days within the EU.');
    expect(inventDurations('The mug costs 8.00 USD.')).toBe('The mug costs 8.00 USD.\nDelivery takes 1-2 business days.');
  });
});
