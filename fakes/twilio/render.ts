// Twilio's wire shapes. The 2010-04-01 API uses RFC 2822 dates, relative `uri`s and a flat paging
// envelope; the newer messaging v1/v2 APIs use ISO 8601 dates, absolute `url`s and a `meta` envelope.
import type { FakeTwilioState } from './state.js';
import type { AccountRecord, KeyRecord, MessageRecord, SenderRecord, ServiceRecord } from './types.js';

export const API_HOST = 'https://api.twilio.com';
export const MESSAGING_HOST = 'https://messaging.twilio.com';

/** "Thu, 30 Jul 2015 20:00:00 +0000" — what the 2010 API returns. */
export function rfc2822(ms: number | null): string | null {
  if (ms === null) return null;
  return new Date(ms).toUTCString().replace('GMT', '+0000');
}

/** "2015-07-30T20:00:00Z" — what v1/v2 return (no milliseconds). */
export function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function renderAccount(a: AccountRecord): Record<string, unknown> {
  const base = `/2010-04-01/Accounts/${a.sid}`;
  return {
    auth_token: a.authToken,
    date_created: rfc2822(a.dateCreated),
    date_updated: rfc2822(a.dateUpdated),
    friendly_name: a.friendlyName,
    owner_account_sid: a.ownerAccountSid,
    sid: a.sid,
    status: a.status,
    subresource_uris: {
      addresses: `${base}/Addresses.json`,
      conferences: `${base}/Conferences.json`,
      signing_keys: `${base}/SigningKeys.json`,
      transcriptions: `${base}/Transcriptions.json`,
      connect_apps: `${base}/ConnectApps.json`,
      sip: `${base}/SIP.json`,
      authorized_connect_apps: `${base}/AuthorizedConnectApps.json`,
      usage: `${base}/Usage.json`,
      keys: `${base}/Keys.json`,
      applications: `${base}/Applications.json`,
      recordings: `${base}/Recordings.json`,
      short_codes: `${base}/SMS/ShortCodes.json`,
      calls: `${base}/Calls.json`,
      notifications: `${base}/Notifications.json`,
      incoming_phone_numbers: `${base}/IncomingPhoneNumbers.json`,
      queues: `${base}/Queues.json`,
      messages: `${base}/Messages.json`,
      outgoing_caller_ids: `${base}/OutgoingCallerIds.json`,
      available_phone_numbers: `${base}/AvailablePhoneNumbers.json`,
      balance: `${base}/Balance.json`,
    },
    type: 'Full',
    uri: `${base}.json`,
  };
}

/** The Key resource never shows the secret; only the create response (NewKey) carries it. */
export function renderKey(k: KeyRecord, withSecret: boolean): Record<string, unknown> {
  return {
    sid: k.sid,
    friendly_name: k.friendlyName,
    date_created: rfc2822(k.dateCreated),
    date_updated: rfc2822(k.dateUpdated),
    ...(withSecret ? { secret: k.secret } : {}),
  };
}

export function renderSender(state: FakeTwilioState, s: SenderRecord): Record<string, unknown> {
  return {
    sid: s.sid,
    status: state.senderStatus(s),
    sender_id: s.senderId,
    configuration: {
      waba_id: s.wabaId,
      verification_method: 'sms',
      verification_code: null,
      voice_application_sid: null,
    },
    webhook: {
      callback_url: s.callbackUrl,
      callback_method: 'POST',
      fallback_url: null,
      fallback_method: 'POST',
      status_callback_url: s.statusCallbackUrl,
      status_callback_method: 'POST',
    },
    profile: { name: s.profileName, about: null, address: null, description: null, logo_url: null, vertical: null, emails: null, websites: null },
    properties: { quality_rating: 'UNKNOWN', messaging_limit: '1K Customers/24hr' },
    offline_reasons: state.senderOfflineReasons(s),
    url: `${MESSAGING_HOST}/v2/Channels/Senders/${s.sid}`,
  };
}

export function renderService(s: ServiceRecord): Record<string, unknown> {
  const url = `${MESSAGING_HOST}/v1/Services/${s.sid}`;
  return {
    account_sid: s.accountSid,
    area_code_geomatch: true,
    date_created: iso(s.dateCreated),
    date_updated: iso(s.dateUpdated),
    fallback_method: s.fallbackMethod,
    fallback_to_long_code: true,
    fallback_url: s.fallbackUrl,
    friendly_name: s.friendlyName,
    inbound_method: s.inboundMethod,
    inbound_request_url: s.inboundRequestUrl,
    links: {
      channel_senders: `${url}/ChannelSenders`,
      phone_numbers: `${url}/PhoneNumbers`,
      short_codes: `${url}/ShortCodes`,
      alpha_senders: `${url}/AlphaSenders`,
      messages: `${url}/Messages`,
      us_app_to_person: `${url}/Compliance/Usa2p`,
      us_app_to_person_usecases: `${url}/Compliance/Usa2p/Usecases`,
      destination_alpha_senders: `${url}/DestinationAlphaSenders`,
    },
    mms_converter: true,
    scan_message_content: 'inherit',
    sid: s.sid,
    smart_encoding: false,
    status_callback: s.statusCallback,
    sticky_sender: s.stickySender,
    synchronous_validation: false,
    url,
    us_app_to_person_registered: false,
    use_inbound_webhook_on_number: s.useInboundWebhookOnNumber,
    usecase: s.usecase,
    validity_period: s.validityPeriod,
  };
}

export function renderChannelSender(state: FakeTwilioState, svc: ServiceRecord, senderSid: string): Record<string, unknown> | null {
  const cs = svc.channelSenders.find((c) => c.senderSid === senderSid);
  const sender = state.senders.get(senderSid);
  if (!cs || !sender) return null;
  return {
    account_sid: svc.accountSid,
    messaging_service_sid: svc.sid,
    sid: sender.sid,
    sender: sender.senderId,
    sender_type: 'WhatsApp',
    country_code: sender.senderId.startsWith('whatsapp:+1') ? 'US' : null,
    date_created: iso(cs.dateCreated),
    date_updated: iso(cs.dateCreated),
    url: `${MESSAGING_HOST}/v1/Services/${svc.sid}/ChannelSenders/${sender.sid}`,
  };
}

export function renderMessage(m: MessageRecord): Record<string, unknown> {
  const base = `/2010-04-01/Accounts/${m.accountSid}/Messages/${m.sid}`;
  return {
    account_sid: m.accountSid,
    api_version: '2010-04-01',
    body: m.body,
    date_created: rfc2822(m.dateCreated),
    date_sent: rfc2822(m.dateSent),
    date_updated: rfc2822(m.dateUpdated),
    direction: m.direction,
    error_code: m.errorCode,
    error_message: m.errorMessage,
    from: m.from,
    messaging_service_sid: m.messagingServiceSid,
    // Twilio renders these counters as strings in the 2010 API.
    num_media: String(m.mediaUrls.length),
    num_segments: String(m.numSegments ?? 1),
    price: null,
    price_unit: 'USD',
    sid: m.sid,
    status: m.status,
    subresource_uris: { media: `${base}/Media.json`, feedback: `${base}/Feedback.json` },
    to: m.to,
    uri: `${base}.json`,
  };
}

export interface PageRequest {
  pageSize: number;
  page: number;
}

export function pageRequest(query: Record<string, unknown>): PageRequest {
  const size = Number(query['PageSize'] ?? 50);
  const page = Number(query['Page'] ?? 0);
  return {
    pageSize: Number.isFinite(size) && size >= 1 ? Math.min(1000, Math.floor(size)) : 50,
    page: Number.isFinite(page) && page >= 0 ? Math.floor(page) : 0,
  };
}

function pageQuery(filters: Record<string, string>, pageSize: number, page: number, token?: string): string {
  const q = new URLSearchParams(filters);
  q.set('PageSize', String(pageSize));
  q.set('Page', String(page));
  if (token !== undefined) q.set('PageToken', token);
  return q.toString();
}

/** The 2010 API envelope: flat first/next/previous_page_uri (relative), start/end, the list under `key`. */
export function page2010(
  path: string,
  key: string,
  all: unknown[],
  req: PageRequest,
  filters: Record<string, string> = {},
): Record<string, unknown> {
  const start = req.page * req.pageSize;
  const items = all.slice(start, start + req.pageSize);
  const hasNext = start + req.pageSize < all.length;
  return {
    first_page_uri: `${path}?${pageQuery(filters, req.pageSize, 0)}`,
    end: items.length === 0 ? 0 : start + items.length - 1,
    previous_page_uri: req.page > 0 ? `${path}?${pageQuery(filters, req.pageSize, req.page - 1, `PB${start}`)}` : null,
    [key]: items,
    uri: `${path}?${pageQuery(filters, req.pageSize, req.page)}`,
    page_size: req.pageSize,
    start,
    next_page_uri: hasNext ? `${path}?${pageQuery(filters, req.pageSize, req.page + 1, `PA${start + req.pageSize}`)}` : null,
    page: req.page,
  };
}

/** The v1/v2 envelope: `{ <key>: [...], meta: {..., key} }` with absolute page URLs. */
export function pageMeta(
  baseUrl: string,
  key: string,
  all: unknown[],
  req: PageRequest,
  filters: Record<string, string> = {},
): Record<string, unknown> {
  const start = req.page * req.pageSize;
  const items = all.slice(start, start + req.pageSize);
  const hasNext = start + req.pageSize < all.length;
  return {
    [key]: items,
    meta: {
      page: req.page,
      page_size: req.pageSize,
      first_page_url: `${baseUrl}?${pageQuery(filters, req.pageSize, 0)}`,
      previous_page_url: req.page > 0 ? `${baseUrl}?${pageQuery(filters, req.pageSize, req.page - 1, `PB${start}`)}` : null,
      url: `${baseUrl}?${pageQuery(filters, req.pageSize, req.page)}`,
      next_page_url: hasNext ? `${baseUrl}?${pageQuery(filters, req.pageSize, req.page + 1, `PA${start + req.pageSize}`)}` : null,
      key,
    },
  };
}
