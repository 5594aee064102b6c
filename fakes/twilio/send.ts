// Picking the sender of an outbound message: a WhatsApp sender (XE) for `whatsapp:` recipients, an
// owned SMS-capable phone number (PN) for plain +E164 recipients. Synchronous Twilio errors for
// each channel are raised here.
import { TwilioApiError } from './http.js';
import { countryOf, E164 } from './numbers.js';
import { optOutKey, type FakeTwilioState } from './state.js';
import type { PhoneNumberRecord, SenderRecord, ServiceRecord } from './types.js';

function serviceOf(state: FakeTwilioState, accountSid: string, serviceSid: string): ServiceRecord {
  const svc = state.services.get(serviceSid);
  if (!svc || svc.accountSid !== accountSid) {
    throw new TwilioApiError(400, 21701, `The Messaging Service Sid ${serviceSid} is invalid.`);
  }
  return svc;
}

/** The From address, or an ONLINE WhatsApp sender of the service. */
export function resolveWhatsAppSender(
  state: FakeTwilioState,
  accountSid: string,
  from: string | undefined,
  serviceSid: string | undefined,
): SenderRecord {
  if (serviceSid !== undefined) {
    const svc = serviceOf(state, accountSid, serviceSid);
    const pool = svc.channelSenders
      .map((c) => state.senders.get(c.senderSid))
      .filter((s): s is SenderRecord => s !== undefined && (from === undefined || s.senderId === from));
    if (pool.length === 0) {
      throw new TwilioApiError(400, 21704, 'The Messaging Service contains no WhatsApp sender for this destination.');
    }
    const online = pool.find((s) => state.senderStatus(s) === 'ONLINE');
    if (!online) throw new TwilioApiError(400, 63007, 'Twilio could not find a Channel with the specified From address');
    return online;
  }
  const sender = from ? state.findSenderByNumber(from) : undefined;
  // A sender that is not ONLINE (yet, or any more) is not a usable channel.
  if (!sender || sender.accountSid !== accountSid || state.senderStatus(sender) !== 'ONLINE') {
    throw new TwilioApiError(400, 63007, 'Twilio could not find a Channel with the specified From address');
  }
  return sender;
}

export interface SmsRoute {
  number: PhoneNumberRecord;
  service: ServiceRecord | null;
}

/**
 * The number an SMS goes out from: the From number (owned by the account, SMS-capable), or one of
 * the service's numbers, preferring the recipient's country (Twilio's area-code geomatch). Refuses
 * a recipient who opted out of that number or of any number of its service (21610).
 */
export function resolveSmsSender(
  state: FakeTwilioState,
  accountSid: string,
  to: string,
  from: string | undefined,
  serviceSid: string | undefined,
): SmsRoute {
  if (to.includes(':')) throw new TwilioApiError(400, 63003, 'Channel could not find To address');
  if (!E164.test(to)) throw new TwilioApiError(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
  if (from?.startsWith('whatsapp:')) {
    throw new TwilioApiError(400, 21910, 'Invalid From and To pair. From and To should be of the same channel');
  }
  const service = serviceSid === undefined ? null : serviceOf(state, accountSid, serviceSid);
  let number: PhoneNumberRecord | undefined;
  if (from !== undefined) {
    number = state.findPhoneNumber(from);
    if (!number || number.accountSid !== accountSid || !number.capabilities.sms) {
      throw new TwilioApiError(
        400,
        21606,
        "The 'From' phone number provided is not a valid message-capable Twilio phone number for this destination.",
      );
    }
  } else if (service) {
    const pool = service.phoneNumbers
      .map((p) => state.phoneNumbers.get(p.phoneNumberSid))
      .filter((n): n is PhoneNumberRecord => n !== undefined && n.capabilities.sms);
    if (pool.length === 0) throw new TwilioApiError(400, 21704, 'The Messaging Service contains no phone numbers.');
    const country = countryOf(to);
    number = pool.find((n) => n.isoCountry === country) ?? pool[0]!;
  }
  if (!number) throw new TwilioApiError(400, 21603, "A 'From' phone number is required.");
  // Advanced Opt-Out applies a STOP to the whole service the number is in, else to the number.
  const scopeService = service ?? state.serviceForPhoneNumber(number.sid);
  const scope = scopeService
    ? scopeService.phoneNumbers.map((p) => state.phoneNumbers.get(p.phoneNumberSid)?.phoneNumber).filter((n) => n !== undefined)
    : [];
  if ([number.phoneNumber, ...scope].some((n) => state.optOuts.has(optOutKey(n, to)))) {
    throw new TwilioApiError(400, 21610, 'Attempt to send to unsubscribed recipient');
  }
  return { number, service };
}
