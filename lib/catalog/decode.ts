import { TextDecoder } from 'node:util';
import { CatalogFileError } from './errors.js';

export interface ByteCount {
  bytes: number;
}

const MB = 1024 * 1024;

/**
 * Bytes → text, strictly UTF-8, bounded. A BOM is dropped (TextDecoder does it). Invalid bytes stop the
 * upload: a file saved as Latin-1 or UTF-16 would otherwise import mangled names without anyone noticing.
 * `count` is filled in as the bytes go by, so the caller can report the size even after an error.
 */
export async function* decodeUtf8(
  source: AsyncIterable<Uint8Array | string>,
  maxBytes: number,
  count: ByteCount = { bytes: 0 },
): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for await (const chunk of source) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    count.bytes += bytes.byteLength;
    if (count.bytes > maxBytes) {
      throw new CatalogFileError('file_too_large', `The file is larger than ${formatSize(maxBytes)}. Split it into smaller files and upload them one by one.`);
    }
    const text = decode(decoder, bytes);
    if (text !== '') yield text;
  }
  const rest = decode(decoder);
  if (rest !== '') yield rest;
  if (count.bytes === 0) throw new CatalogFileError('empty_file', 'The file is empty.');
}

function decode(decoder: TextDecoder, bytes?: Uint8Array): string {
  try {
    return bytes ? decoder.decode(bytes, { stream: true }) : decoder.decode();
  } catch {
    throw new CatalogFileError(
      'invalid_encoding',
      'The file is not UTF-8 text. In Excel use "Save as → CSV UTF-8"; in other tools choose UTF-8 encoding, then upload again.',
    );
  }
}

export function formatSize(bytes: number): string {
  return bytes >= MB ? `${Math.round(bytes / MB)} MB` : `${Math.round(bytes / 1024)} KB`;
}
