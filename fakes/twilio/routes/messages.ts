// 2010-04-01 Messages: send (From or MessagingServiceSid; Body or ContentSid), fetch, list.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { FakeContext } from '../context.js';
import { accessibleAccount, formList, notFound, parseParams, principalOf, TwilioApiError, urlPath } from '../http.js';
import { ERROR_MESSAGES } from '../pipeline.js';
import { page2010, pageRequest, renderMessage } from '../render.js';
import { newSid, type FakeTwilioState } from '../state.js';
import type { MessageRecord, MessageStatus, SenderRecord } from '../types.js';

const accountParams = z.object({ AccountSid: z.string() });
const messageParams = z.object({ AccountSid: z.string(), Sid: z.string() });
const createBody = z.object({
  To: z.string().optional(),
  From: z.string().optional(),
  MessagingServiceSid: z.string().optional(),
  Body: z.string().max(1600).optional(),
  ContentSid: z.string().optional(),
  ContentVariables: z.string().optional(),
  MediaUrl: formList.optional(),
  StatusCallback: z.string().optional(),
});
const listQuery = z.object({ To: z.string().optional(), From: z.string().optional() });

const SESSION_WINDOW_MS = 24 * 60 * 60 * 1000;

export function windowKey(senderId: string, customer: string): string {
  return `${senderId}|${customer}`;
}

/** Pick the sender for this message: the From address, or a WhatsApp sender of the service. */
function resolveSender(state: FakeTwilioState, accountSid: string, from: string | undefined, serviceSid: string | undefined) {
  if (serviceSid !== undefined) {
    const svc = state.services.get(serviceSid);
    if (!svc || svc.accountSid !== accountSid) {
      throw new TwilioApiError(400, 21701, `The Messaging Service Sid ${serviceSid} is invalid.`);
    }
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

/** Decide the statuses still to come, from scripted outcomes and the 24 h session window. */
function plan(state: FakeTwilioState, m: MessageRecord, sender: SenderRecord): void {
  const scripted = state.takeOutcome(m.accountSid, m.to);
  const steps: MessageStatus[] = m.status === 'accepted' ? ['queued'] : [];
  const fail = (code: number, message?: string) => {
    m.pendingError = { code, message: message ?? ERROR_MESSAGES[code] ?? 'Message failed' };
  };
  const last = state.lastInbound.get(windowKey(sender.senderId, m.to));
  const outsideWindow = last === undefined || state.clock.now() - last > SESSION_WINDOW_MS;
  if (scripted && (scripted.outcome === 'failed' || scripted.outcome === 'undelivered')) {
    fail(scripted.errorCode ?? (scripted.outcome === 'failed' ? 30008 : 30003), scripted.errorMessage ?? undefined);
    steps.push(...(scripted.outcome === 'failed' ? (['failed'] as const) : (['sent', 'undelivered'] as const)));
  } else if (state.config.enforceSessionWindow && m.contentSid === null && outsideWindow) {
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
  app.post('/2010-04-01/Accounts/:AccountSid/Messages.json', async (req, reply) => {
    const p = principalOf(req);
    const { AccountSid } = parseParams(accountParams, req.params);
    const acc = accessibleAccount(state, p, AccountSid, urlPath(req));
    const b = parseParams(createBody, req.body);
    if (!b.To) throw new TwilioApiError(400, 21604, "A 'To' phone number is required.");
    if (!b.From && !b.MessagingServiceSid) throw new TwilioApiError(400, 21603, "A 'From' phone number is required.");
    if (!b.Body && !b.ContentSid && !b.MediaUrl) {
      throw new TwilioApiError(400, 21619, 'A text message body or media urls must be specified.');
    }
    if (b.ContentSid !== undefined && !/^HX[0-9a-fA-F]{32}$/.test(b.ContentSid)) {
      throw new TwilioApiError(400, 21656, 'The ContentSid is Invalid.');
    }
    if (b.ContentVariables !== undefined) {
      try {
        JSON.parse(b.ContentVariables);
      } catch {
        throw new TwilioApiError(400, 21656, 'The ContentVariables Parameter is invalid.');
      }
    }
    if (!b.To.startsWith('whatsapp:')) {
      throw new TwilioApiError(400, 63003, 'This fake Twilio only delivers WhatsApp: To must be whatsapp:+E164.');
    }
    const sender = resolveSender(state, acc.sid, b.From, b.MessagingServiceSid);
    const t = state.clock.now();
    // Through a Messaging Service the message starts "accepted" with from=null until a sender is picked.
    const viaService = b.MessagingServiceSid !== undefined;
    const m: MessageRecord = {
      sid: newSid(b.MediaUrl ? 'MM' : 'SM'),
      accountSid: acc.sid,
      direction: 'outbound-api',
      from: viaService && !b.From ? null : sender.senderId,
      to: b.To,
      // Templates are rendered by Twilio; the fake has no template store, so it keeps the variables.
      body: b.Body ?? (b.ContentSid ? `[content ${b.ContentSid}] ${b.ContentVariables ?? ''}`.trim() : ''),
      contentSid: b.ContentSid ?? null,
      contentVariables: b.ContentVariables ?? null,
      mediaUrls: b.MediaUrl ?? [],
      messagingServiceSid: b.MessagingServiceSid ?? null,
      senderSid: sender.sid,
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
    plan(state, m, sender);
    state.messages.set(m.sid, m);
    const rendered = renderMessage(m);
    // The sender is picked right after acceptance: later fetches show it.
    m.from = sender.senderId;
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
