/**
 * How values a merchant reads are written: dates, durations, counts and prices. Pure functions (`now`
 * and `locale` are parameters) with no imports, so unit tests load this file outside SvelteKit.
 *
 * Dates read in English, like the rest of the dashboard's wording; numbers and prices use the browser's
 * locale, as people read them on their own bank statements.
 */

const dateTimeFormat = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'medium' });
const longDateFormat = new Intl.DateTimeFormat('en', { dateStyle: 'long' });
const periodStartFormat = new Intl.DateTimeFormat('en', { day: 'numeric', month: 'long', timeZone: 'UTC' });

export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTimeFormat.format(date);
}

/** `December 14, 2026`: a day that matters (the trial's end). */
export function formatLongDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : longDateFormat.format(date);
}

/** `November 14`: the start of a billing period, which begins at midnight UTC. */
export function formatPeriodStart(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : periodStartFormat.format(date);
}

export function formatRelative(iso: string, now: number = Date.now()): string {
  const then = new Date(iso).getTime();
  if (Number.isNaN(then)) return iso;
  const seconds = Math.round((now - then) / 1000);
  const abs = Math.abs(seconds);
  const suffix = seconds >= 0 ? 'ago' : 'from now';
  if (abs < 10) return 'just now';
  if (abs < 60) return `${abs} seconds ${suffix}`;
  const minutes = Math.round(abs / 60);
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? '' : 's'} ${suffix}`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} hour${hours === 1 ? '' : 's'} ${suffix}`;
  const days = Math.round(hours / 24);
  return `${days} days ${suffix}`;
}

export function formatDuration(fromIso: string, toIso: string): string {
  const ms = new Date(toIso).getTime() - new Date(fromIso).getTime();
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${ms} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds % 60)} s`;
}

/** How long something has waited, coarsely: `45 s`, `12 min`, `3 h`. */
export function formatWaited(seconds: number): string {
  return seconds < 90 ? `${seconds} s` : seconds < 5400 ? `${Math.round(seconds / 60)} min` : `${Math.round(seconds / 3600)} h`;
}

export function formatLatency(latencyMs: number | null): string {
  if (latencyMs === null) return '—';
  return `${Math.round(latencyMs)} ms`;
}

/** `1234` → `1,234` (en) or `1.234` (de): a count with the reader's digit grouping. */
export function formatCount(n: number, locale?: string): string {
  return numberFormat(locale, {}).format(n);
}

/**
 * A price as the merchant's customers would read it: `"14.9"` + `EUR` → `€14.90` (en), `14,90 €` (de);
 * `"95"` + `JPY` → `¥95`. The amount stays a decimal string all the way: Intl formats the string itself
 * (no parseFloat), so `"0.1"` is never `0.1000000000000000055…` and large amounts keep every digit.
 *
 * At least the currency's own minor units are shown, and never fewer decimals than stored: a catalog
 * price of `19.995` shows as `€19.995`, not rounded to a figure the merchant did not enter.
 * A currency Intl does not know (or an amount that is not a plain decimal) falls back to `14.90 XYZ`.
 */
export function formatMoney(amount: string | null, currency: string, locale?: string): string {
  if (amount === null) return 'No price';
  const code = currency.trim().toUpperCase();
  if (!isDecimal(amount)) return `${amount} ${code}`.trim();
  const stored = amount.split('.')[1]?.length ?? 0;
  if (!isKnownCurrency(code)) return `${padDecimals(amount, Math.max(2, stored))} ${code}`.trim();
  const minor = numberFormat('en', { style: 'currency', currency: code }).resolvedOptions().minimumFractionDigits ?? 2;
  const format = numberFormat(locale, {
    style: 'currency',
    currency: code,
    minimumFractionDigits: minor,
    maximumFractionDigits: Math.max(minor, stored),
  });
  // Intl reads a numeric string as an exact decimal (Intl.NumberFormat v3, ES2023).
  return format.format(amount);
}

/** What the API sends for a price: digits, optionally a sign and a fraction (e.g. `-3`, `14.9`, `0.005`). */
function isDecimal(amount: string): amount is `${number}` {
  return /^-?\d+(\.\d+)?$/.test(amount);
}

function padDecimals(amount: string, decimals: number): string {
  const [whole, fraction = ''] = amount.split('.');
  return decimals === 0 ? (whole ?? amount) : `${whole}.${fraction.padEnd(decimals, '0')}`;
}

let knownCurrencies: Set<string> | undefined;

/** ISO codes Intl has data for; a well-formed but unknown code (`XYZ`) would otherwise format as `XYZ 14.90`. */
function isKnownCurrency(code: string): boolean {
  knownCurrencies ??= new Set(Intl.supportedValuesOf('currency'));
  return knownCurrencies.has(code);
}

const formats = new Map<string, Intl.NumberFormat>();

/**
 * A cached formatter (tables call this per cell). `locale` defaults to the browser's; one Intl does not
 * accept (a malformed tag) falls back to Intl's own default instead of throwing.
 */
function numberFormat(locale: string | undefined, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const wanted = locale ?? globalThis.navigator?.language;
  const key = `${wanted ?? ''}|${JSON.stringify(options)}`;
  let format = formats.get(key);
  if (!format) {
    try {
      format = new Intl.NumberFormat(wanted, options);
    } catch {
      format = new Intl.NumberFormat(undefined, options);
    }
    formats.set(key, format);
  }
  return format;
}

/** A `datetime-local` input's value (the browser's local time) as an ISO instant; the input itself as is when unreadable. */
export function localTimeToIso(value: string): string {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}
