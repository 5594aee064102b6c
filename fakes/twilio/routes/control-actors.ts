// Control API, part 2: the actors outside the REST API — Meta's signup creating a merchant's
// WhatsApp sender (and later approving or rejecting it) and customers writing in.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { FakeContext } from '../context.js';
import { ControlError } from '../http.js';
import { sendInbound } from '../inbound.js';
import { iso, renderSender } from '../render.js';
import { SENDER_STATUSES, type SenderRecord } from '../types.js';
import { controlMessage, parseControl } from './control.js';

const status = z.enum(SENDER_STATUSES);
const offlineReason = z.object({ code: z.string(), message: z.string(), more_info: z.string().optional() });
const e164 = z.string().regex(/^(whatsapp:)?\+[1-9]\d{6,14}$/, 'expected +E164 or whatsapp:+E164');
const accountParams = z.object({ AccountSid: z.string() });
const sidParams = z.object({ Sid: z.string() });
const createSender = z.object({
  phoneNumber: e164,
  /** Steps relative to creation; default CREATING → PENDING_VERIFICATION → ONLINE over senderOnlineAfterMs. */
  timeline: z.array(z.object({ status, afterMs: z.number().int().min(0) })).min(1).optional(),
  onlineAfterMs: z.number().int().min(0).optional(),
  offlineReasons: z.array(offlineReason).optional(),
  wabaId: z.string().optional(),
  profileName: z.string().optional(),
});
const setStatus = z.object({ status, offlineReasons: z.array(offlineReason).optional() });
const senderWebhook = z.object({
  callbackUrl: z.string().url().nullable().optional(),
  statusCallbackUrl: z.string().url().nullable().optional(),
});
const inboundBody = z.object({
  to: e164,
  from: e164,
  body: z.string(),
  profileName: z.string().optional(),
  mediaUrls: z.array(z.object({ url: z.string().url(), contentType: z.string() })).optional(),
  messageSid: z.string().regex(/^(SM|MM)[0-9a-f]{32}$/).optional(),
  duplicates: z.number().int().min(0).max(50).optional(),
  wait: z.boolean().optional(),
  channel: z.enum(['sms', 'whatsapp']).optional(),
});

export function registerControlActorRoutes(app: FastifyInstance, ctx: FakeContext): void {
  const { state } = ctx;
  const view = (s: SenderRecord) => ({
    ...renderSender(state, s),
    account_sid: s.accountSid,
    timeline: s.timeline.map((t) => ({ status: t.status, at: iso(t.at) })),
  });
  const findSender = (sid: string): SenderRecord => {
    const s = state.senders.get(sid);
    if (!s) throw new ControlError(404, 'not_found', `No sender ${sid}`);
    return s;
  };

  app.post('/_control/accounts/:AccountSid/senders', async (req, reply) => {
    const { AccountSid } = parseControl(accountParams, req.params);
    if (!state.accounts.has(AccountSid)) throw new ControlError(404, 'not_found', `No account ${AccountSid}`);
    const b = parseControl(createSender, req.body);
    if (state.findSenderByNumber(b.phoneNumber)) {
      throw new ControlError(409, 'duplicate_sender', `A sender for ${b.phoneNumber} already exists`);
    }
    const sender = state.createSender({ accountSid: AccountSid, ...b, offlineReasons: b.offlineReasons ?? null });
    return reply.code(201).send(view(sender));
  });

  app.get('/_control/senders', async () => ({ senders: [...state.senders.values()].map(view) }));

  /** Jump a sender to a status now (e.g. Meta rejects it: OFFLINE with reasons). Later steps are dropped. */
  app.post('/_control/senders/:Sid/status', async (req) => {
    const s = findSender(parseControl(sidParams, req.params).Sid);
    const b = parseControl(setStatus, req.body);
    const now = state.clock.now();
    s.timeline = [...s.timeline.filter((t) => t.at < now), { status: b.status, at: now }];
    if (b.offlineReasons) s.offlineReasons = b.offlineReasons;
    return view(s);
  });

  /** What a merchant would set on the sender itself in the console (used when no service routes it). */
  app.post('/_control/senders/:Sid/webhook', async (req) => {
    const s = findSender(parseControl(sidParams, req.params).Sid);
    const b = parseControl(senderWebhook, req.body);
    if (b.callbackUrl !== undefined) s.callbackUrl = b.callbackUrl;
    if (b.statusCallbackUrl !== undefined) s.statusCallbackUrl = b.statusCallbackUrl;
    return view(s);
  });

  app.post('/_control/inbound', async (req) => {
    const b = parseControl(inboundBody, req.body);
    const result = await sendInbound(ctx, b);
    return { message: controlMessage(result.message), deliveries: result.deliveries };
  });
}
