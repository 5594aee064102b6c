// Control API, part 1: reset, configuration, fake clock, fault injection, scripted outcomes and
// inspection of what was sent. JSON in and out, validated with zod. Not part of Twilio's API.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { FakeContext } from '../context.js';
import { ControlError } from '../http.js';
import { iso } from '../render.js';
import { newSid } from '../state.js';
import type { FaultRule, MessageRecord, ScriptedOutcome } from '../types.js';

/** Parse a control body/query; problems answer 400 `{error: 'invalid_request', issues}`. */
export function parseControl<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const r = schema.safeParse(input ?? {});
  if (!r.success) throw new ControlError(400, 'invalid_request', z.prettifyError(r.error));
  return r.data;
}

const configPatch = z.object({
  enforceSessionWindow: z.boolean().optional(),
  messageStatusDelayMs: z.number().int().min(0).nullable().optional(),
  senderOnlineAfterMs: z.number().int().min(0).optional(),
  sendRateLimitPerSecond: z.number().int().min(1).nullable().optional(),
  webhookRetry: z
    .object({
      maxAttempts: z.number().int().min(1).max(20).optional(),
      timeoutMs: z.number().int().min(1).optional(),
      backoffMs: z.number().int().min(0).optional(),
    })
    .optional(),
});
const advanceClock = z.object({ ms: z.number().int().min(0) });
const faultBody = z.object({
  method: z.string().toUpperCase().optional(),
  path: z.string().startsWith('/'),
  kind: z.enum(['429', '500', '503', 'delay']),
  count: z.number().int().min(1).default(1),
  retryAfterSeconds: z.number().int().min(0).default(1),
  delayMs: z.number().int().min(0).default(0),
});
const outcomeBody = z.object({
  accountSid: z.string().optional(),
  to: z.string().optional(),
  outcome: z.enum(['delivered', 'read', 'failed', 'undelivered']),
  errorCode: z.number().int().optional(),
  errorMessage: z.string().optional(),
  count: z.number().int().min(1).default(1),
});
const messagesQuery = z.object({
  accountSid: z.string().optional(),
  direction: z.enum(['inbound', 'outbound-api', 'outbound-reply']).optional(),
  to: z.string().optional(),
});
const sidParams = z.object({ Sid: z.string() });
const stepsBody = z.object({ steps: z.number().int().min(1).optional() });
const webhooksQuery = z.object({ kind: z.enum(['inbound', 'status']).optional(), messageSid: z.string().optional() });

/** The inspection view of a message: wire-ish fields plus the request params and status history. */
export function controlMessage(m: MessageRecord): Record<string, unknown> {
  return {
    sid: m.sid,
    accountSid: m.accountSid,
    direction: m.direction,
    from: m.from,
    to: m.to,
    body: m.body,
    contentSid: m.contentSid,
    contentVariables: m.contentVariables,
    mediaUrls: m.mediaUrls,
    numSegments: m.numSegments ?? 1,
    messagingServiceSid: m.messagingServiceSid,
    senderSid: m.senderSid,
    statusCallback: m.statusCallback,
    status: m.status,
    pendingStatuses: m.plan,
    errorCode: m.errorCode,
    errorMessage: m.errorMessage,
    history: m.history.map((h) => ({ status: h.status, at: iso(h.at) })),
    params: m.requestParams,
    dateCreated: iso(m.dateCreated),
  };
}

export function registerControlRoutes(app: FastifyInstance, ctx: FakeContext): void {
  const { state, pipeline, webhooks } = ctx;

  app.post('/_control/reset', async () => {
    pipeline.close();
    state.reset();
    return { ok: true };
  });

  app.get('/_control/config', async () => state.config);
  app.patch('/_control/config', async (req) => {
    const b = parseControl(configPatch, req.body);
    if (b.enforceSessionWindow !== undefined) state.config.enforceSessionWindow = b.enforceSessionWindow;
    if (b.messageStatusDelayMs !== undefined) state.config.messageStatusDelayMs = b.messageStatusDelayMs;
    if (b.senderOnlineAfterMs !== undefined) state.config.senderOnlineAfterMs = b.senderOnlineAfterMs;
    if (b.sendRateLimitPerSecond !== undefined) state.config.sendRateLimitPerSecond = b.sendRateLimitPerSecond;
    if (b.webhookRetry) {
      const r = b.webhookRetry;
      state.config.webhookRetry = {
        maxAttempts: r.maxAttempts ?? state.config.webhookRetry.maxAttempts,
        timeoutMs: r.timeoutMs ?? state.config.webhookRetry.timeoutMs,
        backoffMs: r.backoffMs ?? state.config.webhookRetry.backoffMs,
      };
    }
    return state.config;
  });

  const clockView = () => ({ now: state.clock.now(), iso: new Date(state.clock.now()).toISOString() });
  app.get('/_control/clock', async () => clockView());
  app.post('/_control/clock/advance', async (req) => {
    state.clock.advance(parseControl(advanceClock, req.body).ms);
    return clockView();
  });

  app.post('/_control/faults', async (req, reply) => {
    const b = parseControl(faultBody, req.body);
    const rule: FaultRule = {
      id: newSid('FR'),
      method: b.method ?? null,
      path: b.path,
      kind: b.kind,
      remaining: b.count,
      retryAfterSeconds: b.retryAfterSeconds,
      delayMs: b.delayMs,
    };
    state.faults.push(rule);
    return reply.code(201).send(rule);
  });
  app.get('/_control/faults', async () => ({ faults: state.faults }));
  app.delete('/_control/faults', async () => {
    state.faults = [];
    return { ok: true };
  });

  app.post('/_control/outcomes', async (req, reply) => {
    const b = parseControl(outcomeBody, req.body);
    const to = b.to === undefined ? null : b.to.startsWith('whatsapp:') ? b.to : `whatsapp:${b.to}`;
    const o: ScriptedOutcome = {
      id: newSid('OC'),
      accountSid: b.accountSid ?? null,
      to,
      outcome: b.outcome,
      errorCode: b.errorCode ?? null,
      errorMessage: b.errorMessage ?? null,
      remaining: b.count,
    };
    state.outcomes.push(o);
    return reply.code(201).send(o);
  });
  app.get('/_control/outcomes', async () => ({ outcomes: state.outcomes }));
  app.delete('/_control/outcomes', async () => {
    state.outcomes = [];
    return { ok: true };
  });

  app.get('/_control/accounts', async () => ({
    // Inspection only: no auth tokens or key secrets here.
    accounts: [...state.accounts.values()].map((a) => ({
      sid: a.sid,
      friendlyName: a.friendlyName,
      status: a.status,
      ownerAccountSid: a.ownerAccountSid,
      isMaster: a.isMaster,
      keySids: [...state.keys.values()].filter((k) => k.accountSid === a.sid).map((k) => k.sid),
      serviceSids: [...state.services.values()].filter((s) => s.accountSid === a.sid).map((s) => s.sid),
      senderSids: [...state.senders.values()].filter((s) => s.accountSid === a.sid).map((s) => s.sid),
      phoneNumberSids: [...state.phoneNumbers.values()].filter((n) => n.accountSid === a.sid).map((n) => n.sid),
      templateSids: [...state.templates.values()].filter((t) => t.accountSid === a.sid).map((t) => t.sid),
    })),
  }));

  app.get('/_control/messages', async (req) => {
    const q = parseControl(messagesQuery, req.query);
    // A bare +E164 `to` matches WhatsApp (whatsapp:+E164) and SMS (+E164) recipients.
    const to = q.to === undefined ? undefined : new Set([q.to, q.to.startsWith('whatsapp:') ? q.to : `whatsapp:${q.to}`]);
    const list = [...state.messages.values()].filter(
      (m) =>
        (q.accountSid === undefined || m.accountSid === q.accountSid) &&
        (q.direction === undefined || m.direction === q.direction) &&
        (to === undefined || to.has(m.to)),
    );
    return { messages: list.map(controlMessage) };
  });
  app.get('/_control/messages/:Sid', async (req) => {
    const m = state.messages.get(parseControl(sidParams, req.params).Sid);
    if (!m) throw new ControlError(404, 'not_found', 'No such message');
    return controlMessage(m);
  });
  app.post('/_control/messages/:Sid/advance', async (req) => {
    const { Sid } = parseControl(sidParams, req.params);
    const b = parseControl(stepsBody, req.body);
    const m = await pipeline.advance(Sid, b.steps ?? Number.MAX_SAFE_INTEGER);
    if (!m) throw new ControlError(404, 'not_found', 'No such message');
    return controlMessage(m);
  });

  app.get('/_control/webhooks', async (req) => {
    const q = parseControl(webhooksQuery, req.query);
    return {
      deliveries: state.deliveries.filter(
        (d) => (q.kind === undefined || d.kind === q.kind) && (q.messageSid === undefined || d.messageSid === q.messageSid),
      ),
    };
  });

  /** Wait until no status step or webhook delivery is pending (handy at the end of a test). */
  app.post('/_control/idle', async () => {
    await pipeline.idle();
    await webhooks.idle();
    return { ok: true };
  });
}
