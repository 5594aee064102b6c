// Owning phone numbers: buying from the inventory (or being given any number by the control API),
// and releasing one, which detaches it from its Messaging Service and drops its opt-out blocks.
import { inventoryNumber, type InventoryNumber } from './numbers.js';
import { newSid, type FakeTwilioState } from './state.js';
import type { NumberCapabilities, PhoneNumberRecord, PhoneNumberType } from './types.js';

export interface NumberSettings {
  friendlyName?: string | undefined;
  smsUrl?: string | undefined;
  smsMethod?: 'POST' | 'GET' | undefined;
  smsFallbackUrl?: string | undefined;
  smsFallbackMethod?: 'POST' | 'GET' | undefined;
  statusCallback?: string | undefined;
  statusCallbackMethod?: 'POST' | 'GET' | undefined;
  voiceUrl?: string | undefined;
  voiceMethod?: 'POST' | 'GET' | undefined;
}

/** A number outside the inventory (control API): what it can do, and its country if known. */
export interface CustomNumber {
  phoneNumber: string;
  isoCountry: string;
  type?: PhoneNumberType;
  capabilities?: Partial<NumberCapabilities>;
}

const orNull = (v: string | undefined): string | null => (v === undefined || v === '' ? null : v);

export function addPhoneNumber(
  state: FakeTwilioState,
  accountSid: string,
  source: InventoryNumber | CustomNumber,
  settings: NumberSettings = {},
): PhoneNumberRecord {
  const t = state.clock.now();
  const inv = 'friendlyName' in source ? source : inventoryNumber(source.phoneNumber);
  const custom = 'friendlyName' in source ? undefined : source;
  const capabilities: NumberCapabilities = inv?.capabilities ?? { voice: true, sms: true, mms: true, fax: false };
  const rec: PhoneNumberRecord = {
    sid: newSid('PN'),
    accountSid,
    phoneNumber: source.phoneNumber,
    friendlyName: settings.friendlyName ?? inv?.friendlyName ?? source.phoneNumber,
    isoCountry: inv?.isoCountry ?? custom?.isoCountry ?? '',
    type: inv?.type ?? custom?.type ?? 'local',
    capabilities: { ...capabilities, ...custom?.capabilities },
    addressRequirements: inv?.addressRequirements ?? 'none',
    smsUrl: orNull(settings.smsUrl),
    smsMethod: settings.smsMethod ?? 'POST',
    smsFallbackUrl: orNull(settings.smsFallbackUrl),
    smsFallbackMethod: settings.smsFallbackMethod ?? 'POST',
    statusCallback: orNull(settings.statusCallback),
    statusCallbackMethod: settings.statusCallbackMethod ?? 'POST',
    voiceUrl: orNull(settings.voiceUrl),
    voiceMethod: settings.voiceMethod ?? 'POST',
    dateCreated: t,
    dateUpdated: t,
  };
  state.phoneNumbers.set(rec.sid, rec);
  return rec;
}

/** Apply Twilio update semantics: an absent field keeps its value, an empty string clears a URL. */
export function updatePhoneNumber(state: FakeTwilioState, n: PhoneNumberRecord, s: NumberSettings): void {
  const url = (v: string | undefined, prev: string | null) => (v === undefined ? prev : orNull(v));
  if (s.friendlyName !== undefined) n.friendlyName = s.friendlyName;
  n.smsUrl = url(s.smsUrl, n.smsUrl);
  n.smsFallbackUrl = url(s.smsFallbackUrl, n.smsFallbackUrl);
  n.statusCallback = url(s.statusCallback, n.statusCallback);
  n.voiceUrl = url(s.voiceUrl, n.voiceUrl);
  if (s.smsMethod) n.smsMethod = s.smsMethod;
  if (s.smsFallbackMethod) n.smsFallbackMethod = s.smsFallbackMethod;
  if (s.statusCallbackMethod) n.statusCallbackMethod = s.statusCallbackMethod;
  if (s.voiceMethod) n.voiceMethod = s.voiceMethod;
  n.dateUpdated = state.clock.now();
}

/** Take the number out of whichever Messaging Service holds it. */
export function detachFromServices(state: FakeTwilioState, phoneNumberSid: string): void {
  for (const svc of state.services.values()) {
    if (svc.phoneNumbers.some((p) => p.phoneNumberSid === phoneNumberSid)) {
      svc.phoneNumbers = svc.phoneNumbers.filter((p) => p.phoneNumberSid !== phoneNumberSid);
    }
  }
}

/** Release: the number goes back on sale, leaves its service, and its opt-outs no longer apply. */
export function releasePhoneNumber(state: FakeTwilioState, n: PhoneNumberRecord): void {
  detachFromServices(state, n.sid);
  for (const [key, o] of state.optOuts) if (o.number === n.phoneNumber) state.optOuts.delete(key);
  state.phoneNumbers.delete(n.sid);
}

/** Every +E164 number someone owns (the inventory hides these). */
export function ownedNumbers(state: FakeTwilioState): Set<string> {
  return new Set([...state.phoneNumbers.values()].map((n) => n.phoneNumber));
}
