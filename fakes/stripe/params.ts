// Stripe's form encoding: the SDK sends `line_items[0][price]=…&metadata[plan]=pro&expand[0]=customer`
// (form body on POST, query string on GET/DELETE). parseStripeForm turns that into nested objects and
// arrays; Reader reads typed values out of it and throws Stripe's own 400s (with the bracketed `param`
// name Stripe reports) for missing, malformed or unknown parameters.
import { invalidParam, missingParam, unknownParam } from './errors.js';
import type { Metadata } from './types.js';

export type ParamValue = string | ParamValue[] | Params;
export interface Params {
  [key: string]: ParamValue;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** `a[b][0]` → ['a', 'b', '0']; `expand[]` → ['expand', ''] (append). */
function keyPath(key: string): string[] {
  const open = key.indexOf('[');
  if (open <= 0) return [key];
  const parts = [key.slice(0, open)];
  for (const m of key.slice(open).matchAll(/\[([^\]]*)\]/g)) parts.push(m[1] ?? '');
  return parts;
}

type Node = { [key: string]: Node | string | string[] };

function put(root: Node, path: string[], value: string): void {
  let node = root;
  for (let i = 0; i < path.length - 1; i++) {
    let seg = path[i] as string;
    const nextIsAppend = path[i + 1] === '' && i + 1 === path.length - 1;
    if (nextIsAppend) {
      const cur = node[seg];
      const list = Array.isArray(cur) ? cur : typeof cur === 'string' ? [cur] : [];
      list.push(value);
      node[seg] = list;
      return;
    }
    if (seg === '') seg = String(Object.keys(node).length);
    const child = node[seg];
    if (typeof child !== 'object' || Array.isArray(child)) node[seg] = {};
    node = node[seg] as Node;
  }
  const last = path[path.length - 1] as string;
  const cur = node[last];
  // A repeated plain key (a=1&a=2) becomes a list, as form parsers usually do.
  if (typeof cur === 'string') node[last] = [cur, value];
  else if (Array.isArray(cur)) cur.push(value);
  else node[last] = value;
}

/** Objects whose keys are all array indexes become arrays, ordered by index. */
function finish(node: Node | string | string[]): ParamValue {
  if (typeof node === 'string' || Array.isArray(node)) return node;
  const keys = Object.keys(node);
  const out: Params = {};
  for (const k of keys) out[k] = finish(node[k] as Node);
  if (keys.length > 0 && keys.every((k) => /^\d+$/.test(k))) {
    return keys.sort((a, b) => Number(a) - Number(b)).map((k) => out[k] as ParamValue);
  }
  return out;
}

export function parseStripeForm(input: string): Params {
  const root: Node = {};
  for (const pair of input.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const key = decode(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : decode(pair.slice(eq + 1));
    if (key) put(root, keyPath(key), value);
  }
  const parsed = finish(root);
  return typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : {};
}

/** Typed access to one level of params; `prefix` is how Stripe names this level in errors. */
export class Reader {
  constructor(
    readonly params: Params,
    private readonly prefix = '',
  ) {}

  name(key: string): string {
    return this.prefix ? `${this.prefix}[${key}]` : key;
  }

  has(key: string): boolean {
    return this.params[key] !== undefined;
  }

  /** Stripe answers 400 parameter_unknown for any parameter an endpoint does not define. */
  known(...keys: string[]): this {
    for (const k of Object.keys(this.params)) if (!keys.includes(k) && k !== 'expand') throw unknownParam(this.name(k));
    return this;
  }

  /** A string, or null when absent or empty (an empty value unsets a field in Stripe). */
  str(key: string): string | null {
    const v = this.params[key];
    if (v === undefined || v === '') return null;
    if (typeof v !== 'string') throw invalidParam(this.name(key), `Invalid string: ${this.name(key)}`);
    return v;
  }

  reqStr(key: string): string {
    const v = this.str(key);
    if (v === null) throw missingParam(this.name(key));
    return v;
  }

  int(key: string): number | null {
    const v = this.str(key);
    if (v === null) return null;
    if (!/^-?\d+$/.test(v)) throw invalidParam(this.name(key), `Invalid integer: ${v}`, 'parameter_invalid_integer');
    return Number(v);
  }

  bool(key: string): boolean | null {
    const v = this.str(key);
    if (v === null) return null;
    if (v !== 'true' && v !== 'false') throw invalidParam(this.name(key), `Invalid boolean: ${v}`);
    return v === 'true';
  }

  oneOf<T extends string>(key: string, values: readonly T[]): T | null {
    const v = this.str(key);
    if (v === null) return null;
    if (!(values as readonly string[]).includes(v)) {
      const list = values.length > 1 ? `${values.slice(0, -1).join(', ')}, or ${values[values.length - 1]}` : values[0];
      throw invalidParam(this.name(key), `Invalid ${this.name(key)}: must be one of ${list}`);
    }
    return v as T;
  }

  obj(key: string): Reader | null {
    const v = this.params[key];
    if (v === undefined || v === '') return null;
    if (typeof v !== 'object' || Array.isArray(v)) throw invalidParam(this.name(key), `Invalid object: ${this.name(key)}`);
    return new Reader(v, this.name(key));
  }

  list(key: string): Reader[] {
    const v = this.params[key];
    if (v === undefined || v === '') return [];
    if (!Array.isArray(v)) throw invalidParam(this.name(key), `Invalid array: ${this.name(key)}`);
    return v.map((item, i) => {
      if (typeof item !== 'object' || Array.isArray(item)) throw invalidParam(`${this.name(key)}[${i}]`, `Invalid object: ${this.name(key)}[${i}]`);
      return new Reader(item, `${this.name(key)}[${i}]`);
    });
  }

  strings(key: string): string[] {
    const v = this.params[key];
    if (v === undefined || v === '') return [];
    const arr = Array.isArray(v) ? v : [v];
    return arr.map((s) => {
      if (typeof s !== 'string') throw invalidParam(this.name(key), `Invalid array: ${this.name(key)}`);
      return s;
    });
  }

  /**
   * Stripe's metadata semantics: keys merge into `base`; `metadata[k]=` removes k; `metadata=` clears
   * all. Limits: 50 keys, 40-character keys, 500-character values.
   */
  metadata(key = 'metadata', base: Metadata = {}): Metadata {
    const v = this.params[key];
    if (v === undefined) return { ...base };
    if (v === '') return {};
    if (typeof v !== 'object' || Array.isArray(v)) throw invalidParam(this.name(key), `Invalid object: ${this.name(key)}`);
    const out: Metadata = { ...base };
    for (const [k, val] of Object.entries(v)) {
      if (typeof val !== 'string') throw invalidParam(`${this.name(key)}[${k}]`, `Invalid string: ${this.name(key)}[${k}]`);
      if (k.length > 40) throw invalidParam(`${this.name(key)}[${k}]`, 'Metadata keys can have a maximum length of 40 characters.');
      if (val.length > 500) throw invalidParam(`${this.name(key)}[${k}]`, 'Metadata values can have a maximum length of 500 characters.');
      if (val === '') delete out[k];
      else out[k] = val;
    }
    if (Object.keys(out).length > 50) throw invalidParam(this.name(key), 'Metadata can have a maximum of 50 keys.');
    return out;
  }

  expand(): string[] {
    return this.strings('expand');
  }
}
