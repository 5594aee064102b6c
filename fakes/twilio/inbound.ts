// "A customer sends this message": the inbound webhook Twilio would POST to the Messaging Service's
// inbound URL, with WhatsApp's full parameter set, signed with the subaccount's auth token.
// Texts to an SMS number are handled in sms.ts.
import type { FakeContext } from './context.js';
import { ControlError } from './http.js';
import { windowKey } from './routes/messages.js';
import { newSid } from './state.js';
import { deliverInbound, type InboundResult } from './inbound-delivery.js';
import { sendSmsInbound } from './sms.js';
import type { MessageRecord } from './types.js';

export interface InboundInput {
  /** The merchant's WhatsApp number (`+E164` or `whatsapp:+E164`). */
  to: string;
  /** The customer's number (`+E164` or `whatsapp:+E164`). */
  from: string;
  body: string;
  profileName?: string;
  mediaUrls?: Array<{ url: string; contentType: string }>;
  /** Reuse a MessageSid (e.g. to replay an old message); otherwise a new SM/MM sid. */
  messageSid?: string;
  /** Deliver the same webhook this many extra times (same MessageSid), as Twilio occasionally does. */
  duplicates?: number;
  /** Wait for all deliveries (with retries) before answering; default true. */
  wait?: boolean;
  /**
   * `sms` for a text to an owned phone number (see sms.ts). Unset: WhatsApp when `to` is
   * `whatsapp:` or a WhatsApp sender's number, else SMS when it is an owned phone number.
   */
  channel?: 'sms' | 'whatsapp';
}

export type { InboundResult } from './inbound-delivery.js';

const wa = (n: string): string => (n.startsWith('whatsapp:') ? n : `whatsapp:${n}`);

/** Which channel a control-API inbound message arrives on (see InboundInput.channel). */
function channelOf(ctx: FakeContext, input: InboundInput): 'sms' | 'whatsapp' {
  if (input.channel) return input.channel;
  if (input.to.startsWith('whatsapp:') || ctx.state.findSenderByNumber(input.to)) return 'whatsapp';
  return ctx.state.findPhoneNumber(input.to) ? 'sms' : 'whatsapp';
}

export async function sendInbound(ctx: FakeContext, input: InboundInput): Promise<InboundResult> {
  if (channelOf(ctx, input) === 'sms') return sendSmsInbound(ctx, input);
  const { state } = ctx;
  const sender = state.findSenderByNumber(input.to);
  if (!sender) throw new ControlError(404, 'unknown_sender', `No WhatsApp sender has the number ${input.to}`);
  const status = state.senderStatus(sender);
  if (status !== 'ONLINE') throw new ControlError(409, 'sender_not_online', `Sender ${sender.sid} is ${status}`);
  const service = state.serviceForSender(sender.sid);
  // The service's inbound URL wins unless it defers to the sender's own webhook.
  const url =
    service && !service.useInboundWebhookOnNumber && service.inboundRequestUrl ? service.inboundRequestUrl : sender.callbackUrl;
  if (!url) throw new ControlError(409, 'no_inbound_url', `No inbound URL configured for sender ${sender.sid}`);
  const method = service && !service.useInboundWebhookOnNumber ? service.inboundMethod : 'POST';

  const from = wa(input.from);
  const media = input.mediaUrls ?? [];
  const t = state.clock.now();
  const message: MessageRecord = {
    sid: input.messageSid ?? newSid(media.length > 0 ? 'MM' : 'SM'),
    accountSid: sender.accountSid,
    direction: 'inbound',
    from,
    to: sender.senderId,
    body: input.body,
    contentSid: null,
    contentVariables: null,
    mediaUrls: media.map((m) => m.url),
    messagingServiceSid: service?.sid ?? null,
    senderSid: sender.sid,
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
  // The customer writing opens (or renews) the 24 h customer-service window.
  state.lastInbound.set(windowKey(sender.senderId, from), t);

  const waId = from.replace(/^whatsapp:\+?/, '');
  const profileName = input.profileName ?? 'Customer';
  const params: Record<string, string> = {
    SmsMessageSid: message.sid,
    NumMedia: String(media.length),
    ProfileName: profileName,
    MessageType: media.length > 0 ? 'image' : 'text',
    SmsSid: message.sid,
    WaId: waId,
    SmsStatus: 'received',
    Body: input.body,
    To: sender.senderId,
    NumSegments: '1',
    ReferralNumMedia: '0',
    MessageSid: message.sid,
    AccountSid: sender.accountSid,
    From: from,
    ApiVersion: '2010-04-01',
    ChannelMetadata: JSON.stringify({ type: 'whatsapp', data: { context: { ProfileName: profileName, WaId: waId } } }),
  };
  if (service) params['MessagingServiceSid'] = service.sid;
  media.forEach((m, i) => {
    params[`MediaUrl${i}`] = m.url;
    params[`MediaContentType${i}`] = m.contentType;
  });
  message.requestParams = { ...params };

  const fallbackUrl = service && !service.useInboundWebhookOnNumber ? service.fallbackUrl : null;
  return deliverInbound(ctx, {
    accountSid: sender.accountSid,
    message,
    url,
    method,
    params,
    fallback: fallbackUrl ? { url: fallbackUrl, method: service?.fallbackMethod ?? 'POST' } : null,
    duplicates: input.duplicates,
    wait: input.wait,
  });
}
