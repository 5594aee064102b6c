// Control API, part 2: configuration (webhook URLs, retry policy, dunning) and webhook delivery
// shaping: duplicate, reorder (+ release), delay, drop first attempts, stale signatures, resend,
// and the delivery log with every attempt's status and response body.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { FakeStripeContext } from '../context.js';
import { ControlError } from '../errors.js';
import { defaultShaping, type FakeStripeState } from '../state.js';
import { parseControl } from './control-parse.js';

const url = z.url({ protocol: /^https?$/ });
const shapingSchema = z.object({
  duplicate: z.number().int().min(0).max(20).optional(),
  reorder: z.object({ count: z.number().int().min(1).max(1000), order: z.union([z.literal('reverse'), z.array(z.number().int().min(0))]).default('reverse') }).nullable().optional(),
  delayMs: z.number().int().min(0).max(600_000).optional(),
  dropFirstAttempts: z.number().int().min(0).optional(),
  staleSeconds: z.number().int().min(1).nullable().optional(),
});

export const configPatch = z.object({
  /** One webhook endpoint (replaces the list); null removes them all. */
  webhookUrl: url.nullable().optional(),
  webhookUrls: z.array(url).optional(),
  apiVersion: z.string().min(1).optional(),
  businessName: z.string().min(1).optional(),
  retry: z.object({ maxAttempts: z.number().int().min(1).max(50).optional(), backoffMs: z.number().int().min(0).optional(), timeoutMs: z.number().int().min(1).optional() }).optional(),
  dunning: z.object({ retryDays: z.array(z.number().min(0)).max(10).optional(), afterFinalFailure: z.enum(['cancel', 'unpaid', 'past_due']).optional() }).optional(),
  shaping: shapingSchema.optional(),
});

export function applyConfigPatch(state: FakeStripeState, b: z.infer<typeof configPatch>): void {
  const c = state.config;
  if (b.webhookUrl !== undefined) c.webhookUrls = b.webhookUrl === null ? [] : [b.webhookUrl];
  if (b.webhookUrls) c.webhookUrls = b.webhookUrls;
  if (b.apiVersion) c.apiVersion = b.apiVersion;
  if (b.businessName) c.businessName = b.businessName;
  if (b.retry) c.retry = { ...c.retry, ...b.retry };
  if (b.dunning) c.dunning = { ...c.dunning, ...b.dunning };
  if (b.shaping) applyShaping(state, b.shaping);
}

function applyShaping(state: FakeStripeState, s: z.infer<typeof shapingSchema>): void {
  const sh = state.shaping;
  if (s.duplicate !== undefined) sh.duplicate = s.duplicate;
  if (s.reorder !== undefined) sh.reorder = s.reorder;
  if (s.delayMs !== undefined) sh.delayMs = s.delayMs;
  if (s.dropFirstAttempts !== undefined) sh.dropFirstAttempts = s.dropFirstAttempts;
  if (s.staleSeconds !== undefined) sh.staleSeconds = s.staleSeconds;
}

const countBody = z.object({ count: z.number().int().min(0) });
const reorderBody = z.object({ count: z.number().int().min(1), order: z.union([z.literal('reverse'), z.array(z.number().int().min(0))]).default('reverse') });
const releaseBody = z.object({ order: z.union([z.literal('reverse'), z.array(z.number().int().min(0))]).optional() });
const delayBody = z.object({ ms: z.number().int().min(0).max(600_000) });
// 3600 s: far outside the SDK's default 300 s tolerance.
const staleBody = z.object({ seconds: z.number().int().min(1).nullable().default(3600) });
const resendBody = z.object({ eventId: z.string(), url: url.optional() });
const deliveriesQuery = z.object({ eventId: z.string().optional(), type: z.string().optional(), state: z.enum(['held', 'pending', 'succeeded', 'failed']).optional() });

export function registerControlWebhookRoutes(app: FastifyInstance, ctx: FakeStripeContext): void {
  const { state, webhooks } = ctx;
  const view = () => ({ shaping: state.shaping, heldEvents: webhooks.heldEvents() });

  app.get('/_control/webhooks/shaping', async () => view());
  app.delete('/_control/webhooks/shaping', async () => {
    state.shaping = defaultShaping();
    // Nothing held is lost: it goes out in arrival order.
    webhooks.release([]);
    return view();
  });
  app.post('/_control/webhooks/duplicate', async (req) => {
    state.shaping.duplicate = parseControl(countBody, req.body).count;
    return view();
  });
  app.post('/_control/webhooks/reorder', async (req) => {
    const b = parseControl(reorderBody, req.body);
    state.shaping.reorder = { count: b.count, order: b.order };
    return view();
  });
  app.post('/_control/webhooks/release', async (req) => {
    const b = parseControl(releaseBody, req.body);
    const released = webhooks.release(b.order ?? state.shaping.reorder?.order ?? 'reverse');
    state.shaping.reorder = null;
    return { ...view(), released };
  });
  app.post('/_control/webhooks/delay', async (req) => {
    state.shaping.delayMs = parseControl(delayBody, req.body).ms;
    return view();
  });
  app.post('/_control/webhooks/drop-first-attempts', async (req) => {
    state.shaping.dropFirstAttempts = parseControl(countBody, req.body).count;
    return view();
  });
  app.post('/_control/webhooks/stale', async (req) => {
    state.shaping.staleSeconds = parseControl(staleBody, req.body).seconds;
    return view();
  });
  app.post('/_control/webhooks/resend', async (req) => {
    const b = parseControl(resendBody, req.body);
    const ev = state.events.get(b.eventId);
    if (!ev) throw new ControlError(404, 'not_found', `No event ${b.eventId}`);
    if (!b.url && state.config.webhookUrls.length === 0) throw new ControlError(409, 'conflict', 'No webhook URL is configured');
    return { deliveries: webhooks.resend(ev, b.url) };
  });

  app.get('/_control/deliveries', async (req) => {
    const q = parseControl(deliveriesQuery, req.query);
    const rows = state.deliveries.filter((d) => (!q.eventId || d.eventId === q.eventId) && (!q.type || d.eventType === q.type) && (!q.state || d.state === q.state));
    return { deliveries: rows };
  });
}
