// The fake's phone-number inventory: a fixed, deterministic list of numbers "Twilio has for sale"
// per country and type, with the metadata AvailablePhoneNumbers reports. Ranges are chosen from
// fictional / drama ranges where a country has one (US 555-01xx, UK Ofcom 020 7946, 07700 900...),
// so a number bought here can never be a real person's phone.
import type { NumberCapabilities, PhoneNumberType } from './types.js';

export interface InventoryNumber {
  phoneNumber: string;
  friendlyName: string;
  isoCountry: string;
  type: PhoneNumberType;
  areaCode: string;
  lata: string | null;
  locality: string | null;
  rateCenter: string | null;
  latitude: string | null;
  longitude: string | null;
  region: string | null;
  postalCode: string | null;
  addressRequirements: 'none' | 'any' | 'local' | 'foreign';
  capabilities: NumberCapabilities;
}

interface Block {
  type: PhoneNumberType;
  areaCode: string;
  /** E.164 digits before the running suffix. */
  stem: string;
  start: number;
  width: number;
  place?: { locality: string; region: string; postalCode: string | null; lata?: string; rateCenter?: string; lat: string; long: string };
  /** Which services the number type has in that country (mirrors Twilio: UK/EU geographic numbers are voice-only). */
  sms: boolean;
  mms: boolean;
  address: InventoryNumber['addressRequirements'];
}

const PER_BLOCK = 20;

const COUNTRIES: Record<string, { name: string; callingCode: string; blocks: Block[] }> = {
  US: {
    name: 'United States',
    callingCode: '1',
    blocks: [
      { type: 'local', areaCode: '415', stem: '+1415555', start: 100, width: 4, sms: true, mms: true, address: 'none',
        place: { locality: 'San Francisco', region: 'CA', postalCode: '94103', lata: '722', rateCenter: 'SNFC', lat: '37.774900', long: '-122.419400' } },
      { type: 'local', areaCode: '212', stem: '+1212555', start: 100, width: 4, sms: true, mms: true, address: 'none',
        place: { locality: 'New York', region: 'NY', postalCode: '10001', lata: '132', rateCenter: 'NWYRCYZN01', lat: '40.750600', long: '-73.997200' } },
      { type: 'local', areaCode: '512', stem: '+1512555', start: 100, width: 4, sms: true, mms: true, address: 'none',
        place: { locality: 'Austin', region: 'TX', postalCode: '78701', lata: '558', rateCenter: 'AUSTIN', lat: '30.267200', long: '-97.743100' } },
      { type: 'tollFree', areaCode: '833', stem: '+1833555', start: 100, width: 4, sms: true, mms: true, address: 'none' },
    ],
  },
  GB: {
    name: 'United Kingdom',
    callingCode: '44',
    blocks: [
      { type: 'local', areaCode: '20', stem: '+44207946', start: 0, width: 4, sms: false, mms: false, address: 'any',
        place: { locality: 'London', region: 'London', postalCode: null, lat: '51.507400', long: '-0.127800' } },
      { type: 'local', areaCode: '161', stem: '+44161496', start: 0, width: 4, sms: false, mms: false, address: 'any',
        place: { locality: 'Manchester', region: 'Manchester', postalCode: null, lat: '53.480800', long: '-2.242600' } },
      { type: 'mobile', areaCode: '7700', stem: '+447700900', start: 400, width: 3, sms: true, mms: false, address: 'none' },
      { type: 'tollFree', areaCode: '808', stem: '+44808157', start: 0, width: 4, sms: false, mms: false, address: 'none' },
    ],
  },
  ES: {
    name: 'Spain',
    callingCode: '34',
    blocks: [
      { type: 'local', areaCode: '91', stem: '+34910555', start: 100, width: 3, sms: false, mms: false, address: 'any',
        place: { locality: 'Madrid', region: 'Madrid', postalCode: '28013', lat: '40.416800', long: '-3.703800' } },
      { type: 'mobile', areaCode: '600', stem: '+34600555', start: 100, width: 3, sms: true, mms: false, address: 'any' },
    ],
  },
  BR: {
    name: 'Brazil',
    callingCode: '55',
    blocks: [
      { type: 'local', areaCode: '11', stem: '+55113555', start: 1000, width: 4, sms: false, mms: false, address: 'local',
        place: { locality: 'Sao Paulo', region: 'SP', postalCode: '01000-000', lat: '-23.550500', long: '-46.633300' } },
      { type: 'mobile', areaCode: '11', stem: '+551195555', start: 1000, width: 4, sms: true, mms: false, address: 'local' },
    ],
  },
  DE: {
    name: 'Germany',
    callingCode: '49',
    blocks: [
      { type: 'local', areaCode: '30', stem: '+4930555', start: 1000, width: 4, sms: false, mms: false, address: 'local',
        place: { locality: 'Berlin', region: 'Berlin', postalCode: '10115', lat: '52.520000', long: '13.405000' } },
      { type: 'mobile', areaCode: '155', stem: '+4915555', start: 10000, width: 5, sms: true, mms: false, address: 'any' },
      { type: 'tollFree', areaCode: '800', stem: '+49800555', start: 1000, width: 4, sms: false, mms: false, address: 'any' },
    ],
  },
};

/** North American numbers read "(415) 555-0100"; Twilio shows the others in E.164. */
function friendly(phone: string): string {
  const m = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(phone);
  return m ? `(${m[1]}) ${m[2]}-${m[3]}` : phone;
}

function expand(iso: string, b: Block): InventoryNumber[] {
  return Array.from({ length: PER_BLOCK }, (_, i) => {
    const phoneNumber = b.stem + String(b.start + i).padStart(b.width, '0');
    return {
      phoneNumber,
      friendlyName: friendly(phoneNumber),
      isoCountry: iso,
      type: b.type,
      areaCode: b.areaCode,
      lata: b.place?.lata ?? null,
      locality: b.place?.locality ?? null,
      rateCenter: b.place?.rateCenter ?? null,
      latitude: b.place?.lat ?? null,
      longitude: b.place?.long ?? null,
      region: b.place?.region ?? null,
      postalCode: b.place?.postalCode ?? null,
      addressRequirements: b.address,
      capabilities: { voice: true, sms: b.sms, mms: b.mms, fax: false },
    };
  });
}

const INVENTORY: Map<string, InventoryNumber[]> = new Map(
  Object.entries(COUNTRIES).map(([iso, c]) => [iso, c.blocks.flatMap((b) => expand(iso, b))]),
);
const BY_NUMBER = new Map([...INVENTORY.values()].flat().map((n) => [n.phoneNumber, n]));

export function inventoryCountries(): Array<{ isoCountry: string; name: string }> {
  return Object.entries(COUNTRIES).map(([isoCountry, c]) => ({ isoCountry, name: c.name }));
}

/** Every number of a country (null for a country the fake does not sell in). */
export function inventoryFor(isoCountry: string): InventoryNumber[] | null {
  return INVENTORY.get(isoCountry.toUpperCase()) ?? null;
}

export function inventoryNumber(phoneNumber: string): InventoryNumber | undefined {
  return BY_NUMBER.get(phoneNumber);
}

const CALLING_CODES: Record<string, string> = {
  '1': 'US', '44': 'GB', '34': 'ES', '55': 'BR', '49': 'DE', '33': 'FR', '39': 'IT', '351': 'PT', '52': 'MX', '54': 'AR',
  '57': 'CO', '56': 'CL', '61': 'AU', '91': 'IN', '31': 'NL', '32': 'BE', '41': 'CH', '43': 'AT', '48': 'PL', '353': 'IE',
};

/** The ISO country of an E.164 number by its calling code (longest match), or '' when unknown. */
export function countryOf(e164: string): string {
  const digits = e164.replace(/^\+/, '');
  for (let len = 3; len >= 1; len--) {
    const code = CALLING_CODES[digits.slice(0, len)];
    if (code) return code;
  }
  return '';
}

const KEYPAD: Record<string, string> = {
  a: '2', b: '2', c: '2', d: '3', e: '3', f: '3', g: '4', h: '4', i: '4', j: '5', k: '5', l: '5', m: '6',
  n: '6', o: '6', p: '7', q: '7', r: '7', s: '7', t: '8', u: '8', v: '8', w: '9', x: '9', y: '9', z: '9',
};

/**
 * Twilio's number pattern (AvailablePhoneNumbers `Contains`, IncomingPhoneNumbers `PhoneNumber`):
 * digits, `*` for any one digit, and letters read off a phone keypad ("STORM" = 78676). It matches
 * anywhere in the number. Returns null for a pattern with other characters or under two characters.
 */
export function numberPattern(pattern: string): RegExp | null {
  const p = pattern.trim().replace(/^\+/, '');
  if (p.length < 2 || !/^[0-9a-zA-Z*]+$/.test(p)) return null;
  const body = [...p.toLowerCase()].map((ch) => (ch === '*' ? '\\d' : (KEYPAD[ch] ?? ch))).join('');
  return new RegExp(body);
}

export function matchesPattern(re: RegExp, e164: string): boolean {
  return re.test(e164.replace(/^\+/, ''));
}

export const E164 = /^\+[1-9]\d{6,14}$/;
