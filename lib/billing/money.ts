// Stripe amounts are integers in the currency's minor unit; the API sends decimal strings (the dashboard
// formats them with Intl, never through a float).

/** Currencies Stripe bills in whole units (no minor unit). */
const ZERO_DECIMAL = new Set(['bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf']);

/** 2900 usd → "29.00"; 500 jpy → "500". */
export function minorToDecimal(amount: number, currency: string): string {
  if (ZERO_DECIMAL.has(currency.toLowerCase())) return String(amount);
  const sign = amount < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(amount));
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
