// How an SMS body is split into billable segments (what Twilio reports as num_segments).
//
// A body that fits the GSM 03.38 alphabet goes out as GSM-7: 160 septets in one segment, or 153 per
// segment once it is split (7 septets go to the concatenation header). Characters of the extension
// table take an escape plus the character, 2 septets. Anything else forces UCS-2 for the whole body:
// 70 UTF-16 code units in one segment, 67 per segment when split, so an emoji (a surrogate pair) is 2.
// Handsets never split an escape sequence or a surrogate pair across segments, so packing is done
// character by character rather than by dividing the total.

export interface SmsSegments {
  encoding: 'GSM-7' | 'UCS-2';
  segments: number;
  /** Septets for GSM-7, UTF-16 code units for UCS-2. */
  units: number;
}

// GSM 03.38 basic table (ESC, 0x1B, is left out: it only introduces an extension character).
const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
    '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
// Extension table: each costs 2 septets (ESC + character).
const GSM_EXTENSION = new Set('\f^{}\\[~]|€');

const GSM_SINGLE = 160;
const GSM_MULTI = 153;
const UCS2_SINGLE = 70;
const UCS2_MULTI = 67;

/** Per-character cost in GSM-7 septets, or null when the text cannot be GSM-7. */
function gsmCosts(text: string): number[] | null {
  const costs: number[] = [];
  for (const ch of text) {
    if (GSM_BASIC.has(ch)) costs.push(1);
    else if (GSM_EXTENSION.has(ch)) costs.push(2);
    else return null;
  }
  return costs;
}

/** Pack indivisible units into segments of `size`; a unit that does not fit opens the next one. */
function pack(costs: number[], size: number): number {
  let segments = 1;
  let used = 0;
  for (const c of costs) {
    if (used + c > size) {
      segments += 1;
      used = 0;
    }
    used += c;
  }
  return segments;
}

export function smsSegments(text: string): SmsSegments {
  const gsm = gsmCosts(text);
  // Iterating a string yields code points, so a surrogate pair stays one 2-unit item.
  const costs = gsm ?? Array.from(text, (ch) => ch.length);
  const units = costs.reduce((a, b) => a + b, 0);
  const [single, multi] = gsm ? [GSM_SINGLE, GSM_MULTI] : [UCS2_SINGLE, UCS2_MULTI];
  return {
    encoding: gsm ? 'GSM-7' : 'UCS-2',
    segments: units <= single ? 1 : pack(costs, multi),
    units,
  };
}
