import { createHash } from 'node:crypto';
import { z } from 'zod';
import { fieldForHeader, REQUIRED_FIELDS, type ProductField } from './columns.js';
import { truncateValue, type RowError } from './errors.js';

/** A row as read from the file, before validation: product fields by canonical name, the rest apart. */
export interface RawProductRow {
  rowNumber: number;
  fields: Partial<Record<ProductField, unknown>>;
  attributes: Record<string, unknown>;
}

/** A valid row, normalised: what gets staged and then written to `products`. */
export interface NormalisedProduct {
  rowNumber: number;
  sku: string;
  name: string;
  description: string | null;
  /** Canonical decimal text ("19.9", "1200"): trailing zeros dropped so 19.90 and 19.9 hash alike. */
  price: string;
  currency: string;
  stock: number | null;
  category: string | null;
  url: string | null;
  imageUrl: string | null;
  attributes: Record<string, unknown> | null;
  rowHash: string;
}

export type RowResult = { ok: true; product: NormalisedProduct } | { ok: false; errors: RowError[] };

/** Decimal(14,3): 11 integer digits, 3 decimals (KWD/BHD have 3). */
const MAX_INTEGER_DIGITS = 11;
const MAX_ATTRIBUTES = 50;
/** Lists and objects inside an extra column, nested at most this deep (sizes: [["S", "M"]] is 2). */
const MAX_ATTRIBUTE_DEPTH = 32;

// Rows are brought to text first (JSON numbers/booleans become their text, blanks become undefined), so
// the schema is plain string checks: this runs once per row of files with millions of rows.
const WHOLE = 'must be a whole number ≥ 0';
const text = (max: number) => z.string({ message: 'must be text' }).max(max, `is longer than ${max} characters`).optional();
const httpUrl = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).optional();

const rowSchema = z.object({
  sku: text(128),
  name: text(500),
  price: z
    .string({ message: 'must be a number like 19.99' })
    .transform((value, ctx) => {
      const parsed = canonicalDecimal(value);
      if (typeof parsed === 'string') return parsed;
      ctx.addIssue({ code: 'custom', message: parsed.reason });
      return z.NEVER;
    })
    .optional(),
  currency: z.string({ message: 'must be text' }).regex(/^[A-Za-z]{3}$/, 'must be a 3-letter code like USD').transform((c) => c.toUpperCase()).optional(),
  description: text(10_000),
  stock: z.string({ message: WHOLE }).regex(/^\d{1,10}$/, WHOLE).transform(Number).pipe(z.number().max(2_147_483_647, 'is too large')).optional(),
  category: text(200),
  url: httpUrl,
  image: httpUrl,
});

/** Blank → undefined, scalar → trimmed text; anything else (an object, a list) is left for zod to refuse. */
function toText(value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') {
    const trimmed = value.trim();
    return trimmed === '' ? undefined : trimmed;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return value;
}

/** Validates and normalises one row; every problem is reported, not just the first. */
export function validateProductRow(row: RawProductRow, defaultCurrency: string): RowResult {
  const errors: RowError[] = [];
  const input: Partial<Record<ProductField, unknown>> = {};
  for (const key of Object.keys(row.fields) as ProductField[]) input[key] = toText(row.fields[key]);
  for (const field of REQUIRED_FIELDS) {
    if (input[field] === undefined) errors.push({ rowNumber: row.rowNumber, field, reason: `${field} is required`, value: null });
  }
  const parsed = rowSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = typeof issue.path[0] === 'string' ? issue.path[0] : null;
      // Zod's own wording for a custom price problem already names the field.
      const reason = issue.message.startsWith(`${field} `) ? issue.message : `${field ?? 'row'} ${issue.message}`;
      errors.push({ rowNumber: row.rowNumber, field, reason, value: truncateValue(field ? row.fields[field as ProductField] : null) });
    }
  }
  if (errors.length > 0 || !parsed.success) return { ok: false, errors };
  const attributeKeys = Object.keys(row.attributes);
  if (attributeKeys.length > MAX_ATTRIBUTES) {
    return { ok: false, errors: [{ rowNumber: row.rowNumber, field: null, reason: `row has ${attributeKeys.length} extra columns (at most ${MAX_ATTRIBUTES})`, value: null }] };
  }
  // Fuzzing found (test/fuzz/catalog-parser-never-crashes.test.ts): an extra JSON column nested a few thousand
  // levels deep made the row's hash (JSON.stringify) overflow the stack: a RangeError, a 500. No product
  // attribute is nested like that; deeper than MAX_ATTRIBUTE_DEPTH is a row error.
  const deepKey = attributeKeys.find((key) => nestedDeeperThan(row.attributes[key], MAX_ATTRIBUTE_DEPTH));
  if (deepKey !== undefined) {
    return { ok: false, errors: [{ rowNumber: row.rowNumber, field: null, reason: `column ${JSON.stringify(deepKey.slice(0, 100))} holds a value nested more than ${MAX_ATTRIBUTE_DEPTH} levels deep`, value: null }] };
  }
  const d = parsed.data;
  // Presence was checked above; the schema keeps them optional only so "missing" reads as "is required".
  if (d.sku === undefined || d.name === undefined || d.price === undefined) return { ok: false, errors };
  const product: Omit<NormalisedProduct, 'rowHash'> = {
    rowNumber: row.rowNumber,
    sku: d.sku,
    name: d.name,
    description: d.description ?? null,
    price: d.price,
    currency: d.currency ?? defaultCurrency,
    stock: d.stock ?? null,
    category: d.category ?? null,
    url: d.url ?? null,
    imageUrl: d.image ?? null,
    attributes: attributeKeys.length > 0 ? sortedObject(row.attributes) : null,
  };
  return { ok: true, product: { ...product, rowHash: hashProduct(product) } };
}

/** Hash of everything that ends up in `products`: equal hash ⇒ a re-upload leaves the row untouched. */
export function hashProduct(p: Omit<NormalisedProduct, 'rowHash' | 'rowNumber'> & { rowNumber?: number }): string {
  const canonical = [p.sku, p.name, p.description, p.price, p.currency, p.stock, p.category, p.url, p.imageUrl, p.attributes];
  return createHash('sha256').update(JSON.stringify(canonical)).digest('base64url');
}

/**
 * "19.99", "19,99" (comma decimals from European spreadsheets), 20, "1200" → canonical text.
 * "1,234" is refused: thousands separator or 3-decimal comma is a guess we will not make with money.
 */
export function canonicalDecimal(value: string): string | { reason: string } {
  let s = value.trim();
  if (/^\d+,\d{1,2}$/.test(s)) s = s.replace(',', '.');
  if (s.startsWith('-')) return { reason: 'price must be 0 or more' };
  const m = /^(\d+)(?:\.(\d+))?$/.exec(s);
  if (!m) return { reason: 'price must be a number like 19.99 (no currency symbols or thousands separators)' };
  const integer = (m[1] ?? '0').replace(/^0+(?=\d)/, '');
  const fraction = (m[2] ?? '').replace(/0+$/, '');
  if (fraction.length > 3) return { reason: 'price has more than 3 decimals' };
  if (integer.length > MAX_INTEGER_DIGITS) return { reason: 'price is too large' };
  return fraction ? `${integer}.${fraction}` : integer;
}

/** Splits a JSON object's keys into product fields and attributes, as the CSV header does for columns. */
export function rawRowFromObject(rowNumber: number, object: Record<string, unknown>): RawProductRow | RowError {
  const fields: Partial<Record<ProductField, unknown>> = {};
  const origin: Partial<Record<ProductField, string>> = {};
  const attributes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    const field = fieldForHeader(key);
    if (!field) {
      if (value !== null && value !== '') attributes[key] = value;
      continue;
    }
    if (origin[field] !== undefined) {
      return { rowNumber, field, reason: `"${origin[field]}" and "${key}" both mean ${field}; keep one`, value: truncateValue(value) };
    }
    origin[field] = key;
    fields[field] = value;
  }
  return { rowNumber, fields, attributes };
}

/** Whether `value` has lists/objects nested more than `max` deep; walks with its own stack (no recursion). */
function nestedDeeperThan(value: unknown, max: number): boolean {
  const pending: Array<[unknown, number]> = [[value, 0]];
  while (pending.length > 0) {
    const [current, depth] = pending.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth + 1 > max) return true;
    for (const child of Object.values(current)) if (typeof child === 'object' && child !== null) pending.push([child, depth + 1]);
  }
  return false;
}

function sortedObject(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
}
