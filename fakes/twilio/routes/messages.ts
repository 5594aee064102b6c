// 2010-04-01 Messages: send (From or MessagingServiceSid; Body or ContentSid; WhatsApp or SMS),
// fetch, list.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { FakeContext } from '../context.js';
import { accessibleAccount, formList, notFound, parseParams, principalOf, TwilioApiError, urlPath } from '../http.js';
import { ERROR_MESSAGES } from '../pipeline.js';
import { page2010, pageRequest, renderMessage } from '../render.js';
import { SendRateLimiter } from '../rate-limit.js';
import { smsSegments } from '../segments.js';
import { resolveSmsSender, resolveWhatsAppSender } from '../send.js';
import { newSid, type FakeTwilioState } from '../state.js';
import { resolveContent } from '../templates.js';
import type { MessageRecord, MessageStatus } from '../types.js';

const accountParams = z.object({ AccountSid: z.string() });
const messageParams = z.object({ AccountSid: z.string(), Sid: z.string() });
const createBody = z.object({
  To: z.string().optional(),
  From: z.string().optional(),
  MessagingServiceSid: z.string().optional(),
  Body: z.string().optional(),
  ContentSid: z.string().optional(),
  ContentVariables: z.string().optional(),
  MediaUrl: formList.optional(),
  StatusCallback: z.string().optional(),
});
const listQuery = z.object({ To: z.string().optional(), From: z.string().optional() });

const SESSION_WINDOW_MS = 24 * 60 * 60 * 1000;
const MAX_BODY = 1600;

export function windowKey(senderId: string, customer: string): string {
  return `${senderId}|${customer}`;
}

interface PlanInput {
  /** WhatsApp sends: the sender whose 24 h window with the customer applies. SMS has no window. */
  windowSenderId: string | null;
  /** An error the message will fail with once queued (e.g. 63027 for a template not approved). */
  asyncError: number | null;
}

/** Decide the statuses still to come, from scripted outcomes, template approval and the 24 h window. */
function plan(state: FakeTwilioState, m: MessageRecord, input: PlanInput): void {
  const scripted = state.takeOutcome(m.accountSid, m.to);
  const steps: MessageStatus[] = m.status === 'accepted' ? ['queued'] : [];
  const fail = (code: number, message?: string) => {
    m.pendingError = { code, message: message ?? ERROR_MESSAGES[code] ?? 'Message failed' };
  };
  const last = input.windowSenderId === null ? undefined : state.lastInbound.get(windowKey(input.windowSenderId, m.to));
  const outsideWindow = last === undefined || state.clock.now() - last > SESSION_WINDOW_MS;
  if (scripted && (scripted.outcome === 'failed' || scripted.outcome === 'undelivered')) {
    fail(scripted.errorCode ?? (scripted.outcome === 'failed' ? 30008 : 30003), scripted.errorMessage ?? undefined);
    steps.push(...(scripted.outcome === 'failed' ? (['failed'] as const) : (['sent', 'undelivered'] as const)));
  } else if (input.asyncError !== null) {
    // Like Twilio: accepted by the API, then failed by the channel (reported in the status callback).
    fail(input.asyncError);
    steps.push('failed');
  } else if (state.config.enforceSessionWindow && input.windowSenderId !== null && m.contentSid === null && outsideWindow) {
    // WhatsApp only allows free-form text within 24 h of the customer's last message.
    fail(63016);
    steps.push('failed');
  } else {
    steps.push('sent', 'delivered');
    if (scripted?.outcome === 'read') steps.push('read');
  }
  m.plan = steps;
}

export function registerMessageRoutes(app: FastifyInstance, { state, pipeline }: FakeContext): void {
  const limiter = new SendRateLimiter();

  app.post('/2010-04-01/Accounts/:AccountSid/Messages.json', async (req, reply) => {
    const p = principalOf(req);
    const { AccountSid } = parseParams(accountParams, req.params);
    const acc = accessibleAccount(state, p, AccountSid, urlPath(req));
    const limit = state.config.sendRateLimitPerSecond;
    if (limit !== null) {
      const taken = limiter.take(acc.sid, limit);
      if (!taken.ok) throw new TwilioApiError(429, 20429, 'Too Many Requests', { 'Retry-After': String(taken.retryAfterSeconds) });
    }
    const b = parseParams(createBody, req.body);
    if (!b.To) throw new TwilioApiError(400, 21604, "A 'To' phone number is required.");
    if (!b.From && !b.MessagingServiceSid) throw new TwilioApiError(400, 21603, "A 'From' phone number is required.");
    if (!b.Body && !b.ContentSid && !b.MediaUrl) {
      throw new TwilioApiError(400, 21619, 'A text message body or media urls must be specified.');
    }
    if (b.ContentVariables !== undefined && b.ContentSid === undefined) {
      throw new TwilioApiError(400, 21654, 'A ContentSid must be specified if ContentVariables are provided in the request.');
    }
    // Twilio counts characters (code points), not UTF-16 units, against the 1600 limit.
    if (b.Body !== undefined && b.Body.length > MAX_BODY && [...b.Body].length > MAX_BODY) {
      throw new TwilioApiError(400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
    }
    const content = b.ContentSid === undefined ? null : resolveContent(state, acc.sid, b.ContentSid, b.ContentVariables);
    const whatsapp = b.To.startsWith('whatsapp:');
    let senderSid: string;
    let senderAddress: string;
    let windowSenderId: string | null = null;
    if (whatsapp) {
      const sender = resolveWhatsAppSender(state, acc.sid, b.From, b.MessagingServiceSid);
      [senderSid, senderAddress, windowSenderId] = [sender.sid, sender.senderId, sender.senderId];
    } else {
      const { number } = resolveSmsSender(state, acc.sid, b.To, b.From, b.MessagingServiceSid);
      [senderSid, senderAddress] = [number.sid, number.phoneNumber];
    }
    const t = state.clock.now();
    // Through a Messaging Service the message starts "accepted" with from=null until a sender is picked.
    const viaService = b.MessagingServiceSid !== undefined;
    const body = content?.body ?? b.Body ?? '';
    const m: MessageRecord = {
      sid: newSid(b.MediaUrl ? 'MM' : 'SM'),
      accountSid: acc.sid,
      direction: 'outbound-api',
      from: viaService && !b.From ? null : senderAddress,
      to: b.To,
      body,
      contentSid: b.ContentSid ?? null,
      contentVariables: b.ContentVariables ?? null,
      mediaUrls: b.MediaUrl ?? [],
      messagingServiceSid: b.MessagingServiceSid ?? null,
      senderSid,
      // WhatsApp and MMS messages are one segment; SMS is split by encoding (segments.ts).
      numSegments: whatsapp || b.MediaUrl ? 1 : smsSegments(body).segments,
      statusCallback: b.StatusCallback ?? null,
      status: viaService ? 'accepted' : 'queued',
      history: [{ status: viaService ? 'accepted' : 'queued', at: t }],
      errorCode: null,
      errorMessage: null,
      pendingError: null,
      plan: [],
      requestParams: { ...(req.body as Record<string, string | string[]>) },
      dateCreated: t,
      dateUpdated: t,
      dateSent: null,
    };
    // WhatsApp delivers only templates Meta approved; Twilio accepts the send and fails it with 63027.
    const unapproved = whatsapp && content?.template && content.template.whatsapp.status !== 'approved';
    plan(state, m, { windowSenderId, asyncError: unapproved ? 63027 : null });
    state.messages.set(m.sid, m);
    const rendered = renderMessage(m);
    // The sender is picked right after acceptance: later fetches show it.
    m.from = senderAddress;
    pipeline.start(m);
    return reply.code(201).send(rendered);
  });

  app.get('/2010-04-01/Accounts/:AccountSid/Messages/:Sid.json', async (req) => {
    const p = principalOf(req);
    const { AccountSid, Sid } = parseParams(messageParams, req.params);
    const acc = accessibleAccount(state, p, AccountSid, urlPath(req));
    const m = state.messages.get(Sid);
    if (!m || m.accountSid !== acc.sid) throw notFound(urlPath(req));
    return renderMessage(m);
  });

  app.get('/2010-04-01/Accounts/:AccountSid/Messages.json', async (req) => {
    const p = principalOf(req);
    const { AccountSid } = parseParams(accountParams, req.params);
    const acc = accessibleAccount(state, p, AccountSid, urlPath(req));
    const q = parseParams(listQuery, req.query);
    // Twilio lists newest first.
    const all = [...state.messages.values()]
      .filter((m) => m.accountSid === acc.sid)
      .filter((m) => (q.To === undefined || m.to === q.To) && (q.From === undefined || m.from === q.From))
      .reverse()
      .map(renderMessage);
    const filters: Record<string, string> = {};
    if (q.To !== undefined) filters['To'] = q.To;
    if (q.From !== undefined) filters['From'] = q.From;
    return page2010(`/2010-04-01/Accounts/${acc.sid}/Messages.json`, 'messages', all, pageRequest(req.query as Record<string, unknown>), filters);
  });
}
