// Stripe-looking identifiers: a type prefix plus random base62, with the lengths Stripe uses, so code
// that checks prefixes (or stores ids in fixed-size columns) sees what it would see in test mode.
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function base62(length: number): string {
  const bytes = randomBytes(length * 2);
  let out = '';
  // 248 = 4 * 62: rejection sampling keeps every character equally likely.
  for (let i = 0; i < bytes.length && out.length < length; i++) {
    const b = bytes[i] as number;
    if (b < 248) out += ALPHABET[b % 62];
  }
  return out.length === length ? out : out + base62(length - out.length);
}

/** Body lengths as seen in test mode (e.g. cus_ + 14, sub_ + 24, cs_test_ + 58). */
const LENGTHS: Record<string, number> = { cus: 14, si: 14, req: 14, cs_test: 58, mtr_test: 32 };

export function newId(prefix: string): string {
  return `${prefix}_${base62(LENGTHS[prefix] ?? 24)}`;
}

/** The prefix of an id (`cs_test_abc` → `cs`, `price_1` → `price`). */
export function idPrefix(id: string): string {
  return id.slice(0, Math.max(0, id.indexOf('_')));
}
