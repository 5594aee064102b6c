// "A customer texts this SMS to a merchant's number": Twilio's SMS webhook parameters, routed to the
// number's Messaging Service (inbound_request_url) or else the number's own sms_url, and Twilio's
// Advanced Opt-Out: STOP-type keywords block the (number, customer) pair and START-type keywords
// lift the block. Twilio answers those keywords itself; the app still gets the webhook, with
// OptOutType telling it what happened.
import type { FakeContext } from './context.js';
import { ControlError } from './http.js';
import type { InboundInput } from './inbound.js';
import { deliverInbound, type InboundResult } from './inbound-delivery.js';
import { countryOf, E164, inventoryNumber } from './numbers.js';
import { smsSegments } from './segments.js';
import { newSid, optOutKey, type FakeTwilioState } from './state.js';
import type { MessageRecord, PhoneNumberRecord } from './types.js';

export const OPT_OUT_KEYWORDS = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'STOP ALL', 'OPTOUT', 'REVOKE'];
export const OPT_IN_KEYWORDS = ['START', 'YES', 'UNSTOP'];
export const HELP_KEYWORDS = ['HELP', 'INFO'];

// Twilio's default Advanced Opt-Out replies.
const REPLIES = {
  STOP: 'You have successfully been unsubscribed. You will not receive any more messages from this number. Reply START to resubscribe.',
  START: 'You have successfully been re-subscribed to messages from this number. Reply HELP for help. Reply STOP to unsubscribe. Msg&Data Rates May Apply.',
  HELP: 'Reply STOP to unsubscribe. Msg&Data Rates May Apply.',
} as const;

type OptOutType = keyof typeof REPLIES;

/** The keyword class of a whole message body (trimmed, case-insensitive), if it is one. */
export function optOutTypeOf(body: string): OptOutType | null {
  const word = body.trim().replace(/\s+/g, ' ').toUpperCase();
  if (OPT_OUT_KEYWORDS.includes(word)) return 'STOP';
  if (OPT_IN_KEYWORDS.includes(word)) return 'START';
  if (HELP_KEYWORDS.includes(word)) return 'HELP';
  return null;
}

export function setOptOut(state: FakeTwilioState, n: PhoneNumberRecord, customer: string, blocked: boolean): boolean {
  const key = optOutKey(n.phoneNumber, customer);
  const had = state.optOuts.has(key);
  if (blocked && !had) state.optOuts.set(key, { accountSid: n.accountSid, number: n.phoneNumber, customer, at: state.clock.now() });
  if (!blocked && had) state.optOuts.delete(key);
  return had !== blocked;
}

/** Twilio's own answer to a keyword: an outbound message nobody called the API for. */
function recordAutoReply(state: FakeTwilioState, n: PhoneNumberRecord, customer: string, serviceSid: string | null, type: OptOutType): void {
  const t = state.clock.now();
  const body = REPLIES[type];
  const reply: MessageRecord = {
    sid: newSid('SM'),
    accountSid: n.accountSid,
    direction: 'outbound-reply',
    from: n.phoneNumber,
    to: customer,
    body,
    contentSid: null,
    contentVariables: null,
    mediaUrls: [],
    messagingServiceSid: serviceSid,
    senderSid: n.sid,
    numSegments: smsSegments(body).segments,
    statusCallback: null,
    status: 'delivered',
    history: (['queued', 'sent', 'delivered'] as const).map((status) => ({ status, at: t })),
    errorCode: null,
    errorMessage: null,
    pendingError: null,
    plan: [],
    requestParams: {},
    dateCreated: t,
    dateUpdated: t,
    dateSent: t,
  };
  state.messages.set(reply.sid, reply);
}

export async function sendSmsInbound(ctx: FakeContext, input: InboundInput): Promise<InboundResult> {
  const { state } = ctx;
  if (!E164.test(input.to) || !E164.test(input.from)) {
    throw new ControlError(400, 'invalid_request', 'An SMS goes between two +E164 numbers (no whatsapp: prefix)');
  }
  const number = state.findPhoneNumber(input.to);
  if (!number) throw new ControlError(404, 'unknown_number', `No account owns the phone number ${input.to}`);
  if (!number.capabilities.sms) throw new ControlError(409, 'not_sms_capable', `${input.to} cannot receive SMS`);
  const service = state.serviceForPhoneNumber(number.sid);
  const viaService = service !== undefined && !service.useInboundWebhookOnNumber && service.inboundRequestUrl !== null;
  const url = viaService ? service.inboundRequestUrl : number.smsUrl;
  if (!url) throw new ControlError(409, 'no_inbound_url', `No inbound URL configured for ${number.phoneNumber} or its service`);
  const method = viaService ? service.inboundMethod : number.smsMethod;
  const fallbackUrl = viaService ? service.fallbackUrl : number.smsFallbackUrl;
  const fallbackMethod = viaService ? service.fallbackMethod : number.smsFallbackMethod;

  const media = input.mediaUrls ?? [];
  const t = state.clock.now();
  const segments = smsSegments(input.body).segments;
  const message: MessageRecord = {
    sid: input.messageSid ?? newSid(media.length > 0 ? 'MM' : 'SM'),
    accountSid: number.accountSid,
    direction: 'inbound',
    from: input.from,
    to: number.phoneNumber,
    body: input.body,
    contentSid: null,
    contentVariables: null,
    mediaUrls: media.map((m) => m.url),
    messagingServiceSid: service?.sid ?? null,
    senderSid: number.sid,
    numSegments: media.length > 0 ? 1 : segments,
    statusCallback: null,
    status: 'received',
    history: [{ status: 'received', at: t }],
    errorCode: null,
    errorMessage: null,
    pendingError: null,
    plan: [],
    requestParams: {},
    dateCreated: t,
    dateUpdated: t,
    dateSent: t,
  };
  state.messages.set(message.sid, message);

  const optOutType = optOutTypeOf(input.body);
  if (optOutType) {
    if (optOutType !== 'HELP' && setOptOut(state, number, input.from, optOutType === 'STOP')) state.markChanged();
    recordAutoReply(state, number, input.from, service?.sid ?? null, optOutType);
  }

  const place = inventoryNumber(number.phoneNumber);
  const params: Record<string, string> = {
    ToCountry: number.isoCountry,
    ToState: place?.region ?? '',
    SmsMessageSid: message.sid,
    NumMedia: String(media.length),
    ToCity: place?.locality ?? '',
    FromZip: '',
    SmsSid: message.sid,
    FromState: '',
    SmsStatus: 'received',
    FromCity: '',
    Body: input.body,
    FromCountry: countryOf(input.from),
    To: number.phoneNumber,
    ToZip: place?.postalCode ?? '',
    NumSegments: String(message.numSegments),
    MessageSid: message.sid,
    AccountSid: number.accountSid,
    From: input.from,
    ApiVersion: '2010-04-01',
  };
  if (service) params['MessagingServiceSid'] = service.sid;
  if (optOutType) params['OptOutType'] = optOutType;
  media.forEach((m, i) => {
    params[`MediaUrl${i}`] = m.url;
    params[`MediaContentType${i}`] = m.contentType;
  });
  message.requestParams = { ...params };

  return deliverInbound(ctx, {
    accountSid: number.accountSid,
    message,
    url,
    method,
    params,
    fallback: fallbackUrl ? { url: fallbackUrl, method: fallbackMethod } : null,
    duplicates: input.duplicates,
    wait: input.wait,
  });
}
