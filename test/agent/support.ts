// Helpers for the agent tests: the merchant's settings and knowledge set through the real API, a customer
// turn answered end to end through the conversation harness (Twilio stand-in → API → worker → stand-ins).
import { randomBytes, randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { defaultAgentSettings, WEEKDAYS, type AgentSettings, type Weekday } from '../../lib/agent/settings.js';
import { workflowIds } from '../../lib/temporal/names.js';
import { createActivities } from '../../worker/activities.js';
import { inboundMessage, type ConversationInput } from '../../workflows/contracts/conversation.js';
import { workflowBundle } from '../support/temporal.js';
import type { KnowledgeInput } from '../../lib/agent/knowledge-store.js';
import { authHeaders, type TestSession } from '../support/api.js';
import { eventually, sentTo, uniquePhone, type ConversationHarness, type Shop } from '../conversations/harness.js';

export const SHIPPING_POLICY = [
  'Orders ship within 1 business day from our Lisbon warehouse.',
  'Delivery takes 3-5 business days within the EU.',
  'Shipping costs 4.90 USD; it is free on orders over 50 USD.',
].join(' ');
export const RETURNS_POLICY = 'You can return unused items within 30 days of delivery for a full refund. Returns are free.';

/** Saves settings changed from the current ones (or the defaults); returns the new version. */
export async function saveSettings(app: FastifyInstance, session: TestSession, change: (s: AgentSettings) => void): Promise<number> {
  const current = await app.inject({ method: 'GET', url: '/api/agent/settings', headers: authHeaders(session) });
  expect(current.statusCode).toBe(200);
  const { version, settings } = current.json<{ version: number | null; settings: AgentSettings }>();
  const next = structuredClone(settings ?? defaultAgentSettings());
  change(next);
  const res = await app.inject({ method: 'PUT', url: '/api/agent/settings', headers: authHeaders(session), payload: { baseVersion: version, settings: next } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ version: number }>().version;
}

export async function addKnowledge(app: FastifyInstance, session: TestSession, doc: KnowledgeInput): Promise<{ id: string }> {
  const res = await app.inject({ method: 'POST', url: '/api/agent/knowledge', headers: authHeaders(session), payload: doc });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ id: string }>();
}

/** A customer writes to the shop and the first reply arrives; returns what was sent and the stored reply row. */
export async function ask(h: ConversationHarness, shop: Shop, body: string, customer = uniquePhone()) {
  const before = (await sentTo(h.control, customer)).length;
  const { message } = await h.control.inbound({ to: shop.phone, from: customer, body, wait: true });
  const sent = await eventually(async () => {
    const all = await sentTo(h.control, customer);
    return all.length > before && all;
  }, `the reply to "${body}"`);
  const row = await eventually(() => h.prisma.message.findUnique({ where: { replyToMessageSid: message.sid } }), 'the reply row');
  return { customer, inboundSid: message.sid, sent: sent.slice(before), row };
}

/**
 * A shop whose clock says about noon now, whenever the suite runs: a fixed-offset zone (`Etc/GMT-5` is UTC+5;
 * the sign is POSIX's). With UTC, "closed today, open tomorrow" is 24 hours away at midnight and minutes away
 * at 23:30, so the tests' hour of waiting would cross the opening late in the day.
 */
export function zoneAtNoon(now = Date.now()): { timeZone: string; weekdayIn(days: number): Weekday } {
  const offset = 12 - new Date(now).getUTCHours();
  const timeZone = offset === 0 ? 'Etc/GMT' : offset > 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
  return { timeZone, weekdayIn: (days) => WEEKDAYS[(new Date(now + offset * 3_600_000 + days * 86_400_000).getUTCDay() + 6) % 7]! };
}

/** Business hours in `timeZone`: closed until `openDay`, open all of that day, the away message on. */
export function closedUntil(app: FastifyInstance, session: TestSession, openDay: Weekday, timeZone: string): Promise<number> {
  return saveSettings(app, session, (s) => {
    s.businessHours = {
      enabled: true,
      timeZone,
      weekly: { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [], [openDay]: [{ from: '00:00', to: '24:00' }] },
      holidays: [],
      outsideHours: 'away',
      awayMessage: "We're closed right now and will answer when we open ({opens}).",
    };
  });
}

/**
 * One customer's conversation on the workflow's clock (Temporal's time-skipping server): the production
 * activities in a worker on a task queue of its own, the customer's messages stored as the webhook stores them,
 * and `start` signals-with-start the conversation workflow with the first one.
 */
export async function conversationOnTheWorkflowClock(env: TestWorkflowEnvironment, h: ConversationHarness, shop: Shop, label: string) {
  const customer = uniquePhone();
  const conversation = await h.prisma.conversation.create({
    data: { tenantId: shop.tenantId, accountId: shop.accountId, channel: 'whatsapp', customerAddress: `whatsapp:${customer}`, lastInboundAt: new Date() },
  });
  const write = async (body: string) => {
    const sid = `SM${randomBytes(16).toString('hex')}`;
    await h.prisma.message.create({
      data: { tenantId: shop.tenantId, conversationId: conversation.id, direction: 'inbound', providerMessageSid: sid, body, status: 'received', source: 'customer' },
    });
    return sid;
  };
  const taskQueue = `${label}-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: workflowBundle(),
    activities: createActivities({ env: h.api.deps.env, prisma: h.prisma, temporal: env.client }),
  });
  const start = async (body: string) => {
    const input: ConversationInput = {
      tenantId: shop.tenantId, conversationId: conversation.id, channel: 'whatsapp', customerAddress: conversation.customerAddress,
      quietPeriodMs: 0, replyAs: 'inline', aiPaused: false, optedOut: false, lastInboundAt: null,
    };
    const first = await write(body);
    const handle = await env.client.workflow.signalWithStart('conversationWorkflow', {
      workflowId: workflowIds.conversation(shop.tenantId, `${conversation.customerAddress}:${randomUUID()}`),
      taskQueue,
      args: [input],
      signal: inboundMessage,
      signalArgs: [{ messageSid: first, optOut: null }],
    });
    return { first, handle };
  };
  return { customer, conversation, write, worker, start };
}
