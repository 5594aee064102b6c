import { CatalogFileError } from './errors.js';
import { Utf8OrWindows1252, type TextEncoding } from './text-encoding.js';

export { isTextEncoding, TEXT_ENCODINGS, type TextEncoding } from './text-encoding.js';

export interface DecodeInfo {
  /** Bytes read so far: filled in as they go by, so the caller can report the size even after an error. */
  bytes: number;
  /** How the text is being read; final once the stream has ended (the switch can come at the last byte). */
  encoding: TextEncoding;
}

const MB = 1024 * 1024;
/** Bytes looked at before any text is produced: a BOM, UTF-16 or a zip file show in the first few hundred. */
const SNIFF_BYTES = 1024;

/**
 * Bytes → text, bounded: UTF-8, or Windows-1252 for a file that is not UTF-8 (see Utf8OrWindows1252 for
 * how that is decided while streaming). A UTF-8 BOM is dropped. UTF-16 and zip files (an .xlsx) are
 * refused up front with what to do instead: read as either encoding they would only give nonsense.
 */
export async function* decodeText(
  source: AsyncIterable<Uint8Array | string>,
  maxBytes: number,
  info: DecodeInfo = { bytes: 0, encoding: 'utf-8' },
): AsyncGenerator<string> {
  const decoder = new Utf8OrWindows1252(info);
  let head: Buffer[] | null = [];
  let headBytes = 0;
  for await (const chunk of source) {
    let bytes = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    info.bytes += bytes.byteLength;
    if (info.bytes > maxBytes) {
      throw new CatalogFileError('file_too_large', `The file is larger than ${formatSize(maxBytes)}. Split it into smaller files and upload them one by one.`);
    }
    if (head) {
      head.push(bytes);
      headBytes += bytes.byteLength;
      if (headBytes < SNIFF_BYTES) continue;
      bytes = sniff(Buffer.concat(head), decoder);
      head = null;
    }
    const text = decoder.push(bytes);
    if (text !== '') yield text;
  }
  if (info.bytes === 0) throw new CatalogFileError('empty_file', 'The file is empty.');
  const text = (head ? decoder.push(sniff(Buffer.concat(head), decoder)) : '') + decoder.end();
  if (text !== '') yield text;
}

/** Checks the file's first bytes; returns them without a UTF-8 BOM. */
function sniff(head: Buffer, decoder: Utf8OrWindows1252): Buffer {
  const [b0, b1, b2] = head;
  // A zip file's headers are partly zero bytes: recognised before the NUL count below would call it UTF-16.
  if (head.subarray(0, 4).equals(ZIP_SIGNATURE)) {
    throw new CatalogFileError(
      'invalid_encoding',
      'The file is an Excel workbook (or another zip file), not CSV or JSON text. In Excel use "Save as → CSV UTF-8" and upload that file.',
    );
  }
  if ((b0 === 0xff && b1 === 0xfe) || (b0 === 0xfe && b1 === 0xff) || mostlyNul(head)) {
    throw new CatalogFileError(
      'invalid_encoding',
      'The file is UTF-16 text (Excel calls it "Unicode Text"), which cannot be read here. In Excel use "Save as → CSV UTF-8"; in other tools choose UTF-8, then upload again.',
    );
  }
  if (b0 === 0xef && b1 === 0xbb && b2 === 0xbf) {
    decoder.skipBom();
    return head.subarray(3);
  }
  return head;
}

const ZIP_SIGNATURE = Buffer.from('PK\x03\x04', 'latin1');

/**
 * UTF-16 without a BOM: ASCII text in UTF-16 is every other byte 0. A UTF-8 or Windows-1252 file has no
 * NUL at all unless damaged, and a stray one is a row error (see nulRow), so one in eight is far apart.
 */
function mostlyNul(head: Buffer): boolean {
  let nul = 0;
  for (const byte of head) if (byte === 0) nul += 1;
  return nul * 8 >= head.length;
}

export function formatSize(bytes: number): string {
  return bytes >= MB ? `${Math.round(bytes / MB)} MB` : `${Math.round(bytes / 1024)} KB`;
}
