// SMS segments as carriers bill them (lib/sms/segments.ts): GSM-7 vs UCS-2, extension characters, emoji, the
// edges of a segment; and the fitting that keeps an AI reply within SMS_REPLY_MAX_SEGMENTS. The Twilio stand-in
// has its own counter (what it reports as num_segments): both must agree on every case.
import { describe, expect, it } from 'vitest';
import { smsSegments as standInSegments } from '../../fakes/twilio/segments.js';
import { renderSms, SMS_OPT_OUT_FOOTER } from '../../lib/broadcasts/message.js';
import { countSmsSegments, fitSmsToSegments, gsmCharacterBudget } from '../../lib/sms/segments.js';

const cases: Array<[string, string, { encoding: 'GSM-7' | 'UCS-2'; segments: number; units: number }]> = [
  ['empty', '', { encoding: 'GSM-7', segments: 1, units: 0 }],
  ['160 plain characters: one segment', 'a'.repeat(160), { encoding: 'GSM-7', segments: 1, units: 160 }],
  ['161 plain characters: two of 153', 'a'.repeat(161), { encoding: 'GSM-7', segments: 2, units: 161 }],
  ['306 and 307 characters', 'a'.repeat(307), { encoding: 'GSM-7', segments: 3, units: 307 }],
  ['€ costs two septets', 'a'.repeat(158) + '€', { encoding: 'GSM-7', segments: 1, units: 160 }],
  ['one more € tips it over', 'a'.repeat(159) + '€', { encoding: 'GSM-7', segments: 2, units: 161 }],
  ['every extension character is two', '^{}\\[~]|€\f', { encoding: 'GSM-7', segments: 1, units: 20 }],
  ['an escape never straddles two segments', 'a'.repeat(152) + '€' + 'a'.repeat(152), { encoding: 'GSM-7', segments: 3, units: 306 }],
  ['accents of the GSM alphabet stay GSM-7', 'éèùìòÇØøÅåÄÖÑÜäöñüàß'.repeat(8), { encoding: 'GSM-7', segments: 1, units: 160 }],
  ['one ś makes the whole body UCS-2', 'a'.repeat(100) + 'ś', { encoding: 'UCS-2', segments: 2, units: 101 }],
  ['70 UCS-2 units in one segment', 'ж'.repeat(70), { encoding: 'UCS-2', segments: 1, units: 70 }],
  ['an emoji is two units', '😀'.repeat(35), { encoding: 'UCS-2', segments: 1, units: 70 }],
  ['a surrogate pair never straddles two segments', 'a'.repeat(66) + '😀' + 'a'.repeat(66), { encoding: 'UCS-2', segments: 3, units: 134 }],
  ['a curly quote is not GSM-7', 'It’s here', { encoding: 'UCS-2', segments: 1, units: 9 }],
  ['1600 characters: 11 GSM-7 segments', 'x'.repeat(1600), { encoding: 'GSM-7', segments: 11, units: 1600 }],
  ['1600 Cyrillic letters: 24 UCS-2 segments', 'ж'.repeat(1600), { encoding: 'UCS-2', segments: 24, units: 1600 }],
];

describe('SMS segments are counted like carriers bill them', () => {
  it.each(cases)('%s', (_name, text, expected) => {
    expect(countSmsSegments(text)).toMatchObject(expected);
    // The Twilio stand-in reports the same num_segments.
    expect(standInSegments(text)).toEqual(expected);
  });

  it('counts characters, not UTF-16 units, for the 1600-character limit', () => {
    expect(countSmsSegments('😀😀').characters).toBe(2);
  });
});

describe('an AI reply is kept within the configured segments', () => {
  const sentence = 'Our Blue Cotton T-Shirt costs 19.90 USD and we have 12 in stock. ';

  it('leaves a reply that fits alone', () => {
    expect(fitSmsToSegments('Yes, we have it in blue.', 1)).toBe('Yes, we have it in blue.');
  });

  it('cuts at the last whole sentence that fits, without a marker', () => {
    const long = sentence.repeat(8);
    const fitted = fitSmsToSegments(long, 2);
    expect(countSmsSegments(fitted).segments).toBeLessThanOrEqual(2);
    expect(fitted.endsWith('stock.')).toBe(true);
    expect(long.startsWith(fitted)).toBe(true);
  });

  it('cuts a sentence that cannot fit at a word, with "..." so it stays GSM-7', () => {
    const words = 'word '.repeat(100);
    const fitted = fitSmsToSegments(words, 1);
    expect(fitted.endsWith('...')).toBe(true);
    expect(countSmsSegments(fitted)).toMatchObject({ encoding: 'GSM-7', segments: 1 });
  });

  it('keeps a UCS-2 reply (emoji, Cyrillic) within its smaller segments', () => {
    const russian = 'Да, у нас есть синяя футболка за 19,90 долларов. '.repeat(6);
    const fitted = fitSmsToSegments(russian, 2);
    expect(countSmsSegments(fitted)).toMatchObject({ encoding: 'UCS-2' });
    expect(countSmsSegments(fitted).segments).toBeLessThanOrEqual(2);
    const emoji = `${'Great choice 😀 '.repeat(20)}`;
    expect(countSmsSegments(fitSmsToSegments(emoji, 1)).segments).toBe(1);
  });

  it('never splits an extension character or an emoji when cutting', () => {
    const euro = `${'a'.repeat(159)}€ and more text after it`;
    const fitted = fitSmsToSegments(euro, 1);
    expect(countSmsSegments(fitted).segments).toBe(1);
    expect(fitted).not.toMatch(/[\uD800-\uDBFF]$/);
  });

  it('tells the AI about how many characters that is', () => {
    expect(gsmCharacterBudget(1)).toBe(160);
    expect(gsmCharacterBudget(3)).toBe(459);
  });
});

describe('a broadcast SMS', () => {
  it('fills in the first name and adds the opt-out footer once', () => {
    expect(renderSms('Hi {{first_name}}, the sale starts today!', { firstName: 'Ana', profileName: null })).toBe(
      `Hi Ana, the sale starts today!\n\n${SMS_OPT_OUT_FOOTER}`,
    );
    expect(renderSms('Hi {{first_name}}! Reply STOP to unsubscribe.', { firstName: null, profileName: 'Bruno Diaz' })).toBe('Hi Bruno! Reply STOP to unsubscribe.');
    expect(renderSms('Hi {{first_name}}!', { firstName: null, profileName: null })).toContain('Hi there!');
  });
});
