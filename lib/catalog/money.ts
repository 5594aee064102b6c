// Prices are decimals end to end: stored as numeric, carried as decimal TEXT (never a float), written with
// the currency's own minor units wherever WARA writes a price (the product list, the AI's sources, the
// catalog block the model quotes from), so "14.9" in one place and "14.90" in another cannot happen.

const minorUnitsByCurrency = new Map<string, number>();

/** Decimal places of the currency's minor unit (USD/EUR 2, JPY 0, KWD 3); 2 for a code Intl does not know. */
export function minorUnits(currency: string): number {
  const code = currency.toUpperCase();
  let digits = minorUnitsByCurrency.get(code);
  if (digits === undefined) {
    try {
      digits = new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      digits = 2;
    }
    minorUnitsByCurrency.set(code, digits);
  }
  return digits;
}

/**
 * A stored decimal as text with at least the currency's minor units, and any further significant digits
 * kept ("19.990" USD → "19.99", "5" USD → "5.00", "1.234" USD → "1.234", "95" JPY → "95"): what the
 * merchant entered, never rounded.
 */
export function priceText(stored: string, currency: string): string {
  const [whole = '0', fraction = ''] = stored.trim().split('.');
  const significant = fraction.replace(/0+$/, '');
  const digits = significant.padEnd(minorUnits(currency), '0');
  return digits === '' ? whole : `${whole}.${digits}`;
}
