import { describe, expect, it } from 'vitest';
import { formatCount, formatMoney } from '../../web/src/lib/utilities/format.js';
import { deliveryProblem, healthLook, MESSAGE_STATUS_OPTIONS, messageStatusLook, whatsappLook } from '../../web/src/lib/utilities/status-look.js';

/*
 * The dashboard's value formatting and status wording, as plain functions (no browser): prices reach the
 * page as decimal strings and must be shown exactly, in the currency's own style.
 * Intl separates symbol and amount with a no-break space in some locales; `plain` makes them readable.
 */
const plain = (text: string) => text.replace(/[\u00a0\u202f]/g, ' ');

describe('formatMoney', () => {
  it('shows a decimal string in the currency’s style and minor units', () => {
    expect(formatMoney('14.9', 'EUR', 'en')).toBe('€14.90');
    expect(formatMoney('95', 'JPY', 'en')).toBe('¥95');
    expect(formatMoney('24.5', 'USD', 'en-US')).toBe('$24.50');
    expect(plain(formatMoney('14.9', 'EUR', 'de'))).toBe('14,90 €');
    expect(formatMoney('1234.5', 'GBP', 'en-GB')).toBe('£1,234.50');
  });

  it('never goes through a float: every stored digit survives, none is rounded away', () => {
    expect(formatMoney('0.1', 'USD', 'en')).toBe('$0.10');
    expect(formatMoney('19.995', 'EUR', 'en')).toBe('€19.995');
    expect(formatMoney('12345678901234567.89', 'USD', 'en')).toBe('$12,345,678,901,234,567.89');
  });

  it('accepts a lower-case currency code', () => {
    expect(formatMoney('8', 'usd', 'en')).toBe('$8.00');
  });

  it('falls back to amount and code for a currency Intl does not know, without throwing', () => {
    expect(formatMoney('14.9', 'XYZ', 'en')).toBe('14.90 XYZ');
    expect(formatMoney('14.9', 'EURO', 'en')).toBe('14.90 EURO');
    expect(formatMoney('14.9', '', 'en')).toBe('14.90');
    expect(formatMoney('not a number', 'EUR', 'en')).toBe('not a number EUR');
  });

  it('says when there is no price, and survives a malformed locale', () => {
    expect(formatMoney(null, 'EUR', 'en')).toBe('No price');
    expect(formatMoney('5', 'EUR', 'not a locale!')).toMatch(/5[.,]00/);
  });
});

describe('formatCount', () => {
  it('groups digits the reader’s way', () => {
    expect(formatCount(1234567, 'en')).toBe('1,234,567');
    expect(formatCount(1234567, 'de')).toBe('1.234.567');
  });
});

describe('status looks', () => {
  it('gives every known status a tone and label, and an unknown one its own words in neutral', () => {
    expect(messageStatusLook('delivered')).toEqual({ tone: 'good', label: 'Delivered' });
    expect(messageStatusLook('not_sent')).toEqual({ tone: 'warn', label: 'Not sent' });
    expect(messageStatusLook('paused_by_meta')).toEqual({ tone: 'neutral', label: 'paused by meta' });
    expect(healthLook('degraded')).toEqual({ tone: 'warn', label: 'Degraded' });
    expect(whatsappLook('waiting_for_sender')).toMatchObject({ tone: 'warn', label: 'Waiting for approval' });
    // A status that happens to name an Object.prototype member is still unknown, not a crash.
    expect(messageStatusLook('constructor')).toEqual({ tone: 'neutral', label: 'constructor' });
  });

  it('offers every delivery status in the feed filter', () => {
    expect(MESSAGE_STATUS_OPTIONS.map((o) => o.value)).toEqual([
      'received',
      'queued',
      'sending',
      'sent',
      'delivered',
      'read',
      'failed',
      'undelivered',
      'not_sent',
    ]);
  });

  it('explains a failed delivery with Twilio’s code and its meaning', () => {
    expect(deliveryProblem({ status: 'undelivered', errorCode: '63024', errorMessage: null })).toBe('Error 63024: Invalid recipient');
    expect(deliveryProblem({ status: 'not_sent', errorCode: 'window_closed', errorMessage: null })).toBe('window closed');
    expect(deliveryProblem({ status: 'delivered', errorCode: null, errorMessage: null })).toBeNull();
  });
});
