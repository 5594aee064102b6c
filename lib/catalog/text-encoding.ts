import { isAscii, isUtf8 } from 'node:buffer';
import { TextDecoder } from 'node:util';
import { CatalogFileError } from './errors.js';

export const TEXT_ENCODINGS = ['utf-8', 'windows-1252'] as const;
export type TextEncoding = (typeof TEXT_ENCODINGS)[number];

export function isTextEncoding(value: string): value is TextEncoding {
  return (TEXT_ENCODINGS as readonly string[]).includes(value);
}

const EMPTY = Buffer.alloc(0);
const LF = 0x0a;

/**
 * Streamed bytes → text, as UTF-8 unless the file is not UTF-8, then as Windows-1252 (what Excel's
 * "CSV (Comma delimited)" writes on Windows; a superset of Latin-1's letters).
 *
 * The choice is made at the first byte that is not valid UTF-8, with nothing held back before it:
 * - if every byte before it was ASCII, the file is read as Windows-1252 from the start. ASCII is the same
 *   in both, so the text already handed on is what Windows-1252 would have given: nothing is re-read,
 *   however many megabytes of ASCII came first;
 * - if a UTF-8 character (or a UTF-8 BOM) came before it, the file has two readings that each break part
 *   of it: it is refused, naming the line and byte.
 * After the switch every byte is Windows-1252 (bytes that happen to form UTF-8 pairs, like "É®", are too).
 *
 * Memory: at most the 3 bytes of a character cut by a chunk boundary are carried. Per chunk, the UTF-8 path
 * costs native scans (validity, ASCII, line breaks for the error message) besides the decoding itself.
 */
export class Utf8OrWindows1252 {
  /** Where the file first showed it is UTF-8; after that an invalid byte means mixed encodings. */
  #utf8Evidence: string | null = null;
  /** The start of a character cut off by the end of the last chunk (UTF-8 only, ≤ 3 bytes). */
  #carry: Buffer = EMPTY;
  /** File offset of the next byte to decode, and its line (for the messages). */
  #offset = 0;
  #line = 1;
  readonly #utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
  readonly #windows1252 = new TextDecoder('windows-1252');

  constructor(private readonly state: { encoding: TextEncoding }) {}

  /** The file started with a UTF-8 BOM (already removed): it says it is UTF-8. */
  skipBom(): void {
    this.#offset = 3;
    this.#utf8Evidence = 'it starts with a UTF-8 marker (BOM)';
  }

  push(bytes: Buffer): string {
    if (this.state.encoding === 'windows-1252') return this.#windows1252.decode(bytes, { stream: true });
    const data = this.#carry.length > 0 ? Buffer.concat([this.#carry, bytes]) : bytes;
    const end = data.length - cutCharacterLength(data);
    const complete = data.subarray(0, end);
    if (!isUtf8(complete)) return this.#notUtf8(data);
    // Copied: a view would keep the whole chunk alive.
    this.#carry = end < data.length ? Buffer.from(data.subarray(end)) : EMPTY;
    if (this.#utf8Evidence === null && !isAscii(complete)) this.#utf8Evidence = this.#describeFirstCharacter(complete);
    this.#offset += complete.length;
    this.#line += countLines(complete, complete.length);
    return this.#utf8.decode(complete);
  }

  end(): string {
    if (this.state.encoding === 'windows-1252') return this.#windows1252.decode();
    // A character cut off by the end of the file is not UTF-8.
    return this.#carry.length > 0 ? this.#notUtf8(this.#carry) : '';
  }

  /** `data` (not yet decoded, starting at #offset) has a byte that is not UTF-8: switch, or refuse. */
  #notUtf8(data: Buffer): string {
    const { invalidAt, firstMultiByte } = scanUtf8(data);
    if (this.#utf8Evidence === null && firstMultiByte >= 0) this.#utf8Evidence = this.#describeFirstCharacter(data);
    if (this.#utf8Evidence !== null) throw this.#mixed(data, invalidAt, this.#utf8Evidence);
    this.state.encoding = 'windows-1252';
    this.#carry = EMPTY;
    return this.#windows1252.decode(data, { stream: true });
  }

  #describeFirstCharacter(data: Buffer): string {
    const at = data.findIndex((byte) => byte >= 0x80);
    const character = this.#utf8.decode(data.subarray(at, at + sequenceLength(data[at] ?? 0)));
    return `line ${this.#line + countLines(data, at)} has UTF-8 text ("${character}")`;
  }

  #mixed(data: Buffer, at: number, evidence: string): CatalogFileError {
    const line = this.#line + countLines(data, at);
    const lineStart = data.lastIndexOf(LF, at - 1) + 1;
    const before = this.#utf8.decode(data.subarray(Math.max(lineStart, at - 30), at)).trim();
    const byte = (data[at] ?? 0).toString(16).toUpperCase().padStart(2, '0');
    return new CatalogFileError(
      'invalid_encoding',
      `The file mixes text encodings: ${evidence}, but line ${line} has the byte 0x${byte} (byte ${this.#offset + at + 1} of the file` +
        `${before ? `, after "${before}"` : ''}), which is not UTF-8. ` +
        'Save the file as UTF-8 (in Excel: "Save as → CSV UTF-8") and upload it again.',
    );
  }
}

/** Bytes in the UTF-8 sequence a lead byte starts; 0 for a byte that cannot start one. */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/**
 * Bytes at the end that start a character the data does not finish (0–3): they wait for the next chunk.
 * Only the lead byte is looked at; a wrong continuation is found when the character is complete.
 */
function cutCharacterLength(data: Uint8Array): number {
  for (let back = 1; back <= Math.min(3, data.length); back++) {
    const byte = data[data.length - back] ?? 0;
    if ((byte & 0xc0) !== 0x80) return sequenceLength(byte) > back ? back : 0;
  }
  return 0;
}

/** The first byte that is not (the start of) valid UTF-8, and the first multi-byte character before it. */
function scanUtf8(data: Buffer): { invalidAt: number; firstMultiByte: number } {
  let firstMultiByte = -1;
  for (let i = 0; i < data.length; ) {
    const lead = data[i] ?? 0;
    if (lead < 0x80) {
      i += 1;
      continue;
    }
    const length = sequenceLength(lead);
    // isUtf8 checks the continuation bytes and the ranges (overlong forms, surrogates, > U+10FFFF).
    if (length === 0 || i + length > data.length || !isUtf8(data.subarray(i, i + length))) return { invalidAt: i, firstMultiByte };
    if (firstMultiByte < 0) firstMultiByte = i;
    i += length;
  }
  // Not reached for data that failed isUtf8; kept total for the type.
  return { invalidAt: data.length, firstMultiByte };
}

/** Line feeds in data[0, end). */
function countLines(data: Buffer, end: number): number {
  let count = 0;
  for (let i = data.indexOf(LF); i !== -1 && i < end; i = data.indexOf(LF, i + 1)) count += 1;
  return count;
}
