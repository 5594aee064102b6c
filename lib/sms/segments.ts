// How an SMS body is split into the segments carriers bill (Twilio's `num_segments`), and how to keep a body
// within a number of them. Pure: the API shows counts with it, the send path fits AI replies with it.
//
// A body whose every character is in the GSM 03.38 alphabet goes out as GSM-7: 160 septets in one segment,
// 153 per segment once split (7 go to the concatenation header). Extension-table characters (^{}\[~]|€ and
// form feed) are an escape plus the character: 2 septets. One character outside the alphabet (ś, ж, an emoji,
// a curly quote) turns the WHOLE body into UCS-2: 70 UTF-16 code units in one segment, 67 per segment split,
// an emoji being a surrogate pair (2 units). Handsets never split an escape or a surrogate pair across two
// segments, so segments are packed character by character, not by dividing the total.

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SmsSegmentCount {
  encoding: SmsEncoding;
  segments: number;
  /** Septets for GSM-7, UTF-16 code units for UCS-2. */
  units: number;
  /** Characters (code points). */
  characters: number;
}

// GSM 03.38 basic table (ESC, 0x1B, is left out: it only introduces an extension character).
const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' + '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
const GSM_EXTENSION = new Set('\f^{}\\[~]|€');

export const SEGMENT_SIZES: Record<SmsEncoding, { single: number; multi: number }> = {
  'GSM-7': { single: 160, multi: 153 },
  'UCS-2': { single: 70, multi: 67 },
};

/** Twilio refuses a body longer than this many characters (21617). */
export const SMS_MAX_CHARACTERS = 1600;

/** The cost of each character (code point) in the body's encoding. */
function costs(text: string): { encoding: SmsEncoding; costs: number[] } {
  const chars = Array.from(text);
  const gsm: number[] = [];
  for (const ch of chars) {
    if (GSM_BASIC.has(ch)) gsm.push(1);
    else if (GSM_EXTENSION.has(ch)) gsm.push(2);
    else return { encoding: 'UCS-2', costs: chars.map((c) => c.length) };
  }
  return { encoding: 'GSM-7', costs: gsm };
}

/** Segments needed for these indivisible costs; a character that does not fit opens the next segment. */
function pack(items: readonly number[], encoding: SmsEncoding): number {
  const { single, multi } = SEGMENT_SIZES[encoding];
  const total = items.reduce((a, b) => a + b, 0);
  if (total <= single) return 1;
  let segments = 1;
  let used = 0;
  for (const c of items) {
    if (used + c > multi) {
      segments += 1;
      used = 0;
    }
    used += c;
  }
  return segments;
}

export function countSmsSegments(text: string): SmsSegmentCount {
  const { encoding, costs: items } = costs(text);
  return { encoding, segments: pack(items, encoding), units: items.reduce((a, b) => a + b, 0), characters: items.length };
}

/** The longest prefix (in characters) of `items` that fits in `maxSegments`. */
function longestFit(items: readonly number[], encoding: SmsEncoding, maxSegments: number): number {
  const { single, multi } = SEGMENT_SIZES[encoding];
  let used = 0;
  if (maxSegments <= 1) {
    for (let i = 0; i < items.length; i++) {
      if (used + items[i]! > single) return i;
      used += items[i]!;
    }
    return items.length;
  }
  let segments = 1;
  for (let i = 0; i < items.length; i++) {
    const c = items[i]!;
    if (used + c > multi) {
      if (segments === maxSegments) return i;
      segments += 1;
      used = 0;
    }
    used += c;
  }
  return items.length;
}

const ELLIPSIS = '…';

/**
 * `text` cut to fit in `maxSegments`: at the last sentence end that fits, else the last word, with an
 * ellipsis when a sentence was cut. The cut keeps the body's encoding in mind: a UCS-2 body (an emoji, a
 * Cyrillic letter) has fewer characters per segment, and the ellipsis itself is not GSM-7, so a GSM-7 body
 * that gets one is cut with three dots instead. Returns the text unchanged when it already fits.
 */
export function fitSmsToSegments(text: string, maxSegments: number): string {
  if (maxSegments < 1) throw new RangeError('maxSegments must be at least 1');
  const trimmed = text.trim();
  if (countSmsSegments(trimmed).segments <= maxSegments) return trimmed;
  const { encoding, costs: items } = costs(trimmed);
  const chars = Array.from(trimmed);
  const marker = encoding === 'GSM-7' ? '...' : ELLIPSIS;
  const markerCost = encoding === 'GSM-7' ? 3 : 1;
  // Room for a marker, so a cut text plus its marker still fits.
  const roomFor = (extra: number) => longestFit([...items, ...Array<number>(extra).fill(1)], encoding, maxSegments) - extra;
  const fitsWhole = longestFit(items, encoding, maxSegments);
  const prefix = chars.slice(0, fitsWhole).join('');
  // A whole sentence (or several) that fits needs no marker.
  const sentenceEnd = lastBoundary(prefix, /[.!?](?=\s)|[.!?]$/g);
  if (sentenceEnd > prefix.length / 3) return prefix.slice(0, sentenceEnd).trim();
  const withMarker = chars.slice(0, Math.max(0, roomFor(markerCost))).join('');
  const wordEnd = lastBoundary(withMarker, /\s/g);
  const cut = (wordEnd > withMarker.length / 2 ? withMarker.slice(0, wordEnd) : withMarker).replace(/[\s,;:–-]+$/u, '');
  return `${cut}${marker}`;
}

/** Index just after the last match of `pattern` in `text` (0 when none). */
function lastBoundary(text: string, pattern: RegExp): number {
  let end = 0;
  for (const match of text.matchAll(pattern)) end = match.index + match[0].length;
  return end;
}

/** About how many characters fit in `maxSegments` of plain GSM-7 text: the budget the AI is asked to keep. */
export function gsmCharacterBudget(maxSegments: number): number {
  return maxSegments <= 1 ? SEGMENT_SIZES['GSM-7'].single : maxSegments * SEGMENT_SIZES['GSM-7'].multi;
}
