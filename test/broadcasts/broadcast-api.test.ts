// Broadcasts through the dashboard's API on real infrastructure (API, production worker on both task queues,
// Temporal dev server, Postgres, Twilio stand-in delivering status callbacks): record opt-ins with tags, pick an
// approved template, preview, send, follow progress to delivered, page the recipients; one active broadcast per
// channel; the billing gate; audit entries; no Temporal link for merchants.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authHeaders, signUp } from '../support/api.js';
import { eventually, startConversationHarness, uniquePhone, type ConversationHarness, type Shop } from '../conversations/harness.js';
import { startBroadcastQueueWorker } from './harness.js';

let h: ConversationHarness;
let broadcastWorker: { stop(): Promise<void> };
let shop: Shop;
let templateSid: string;

beforeAll(async () => {
  h = await startConversationHarness();
  broadcastWorker = await startBroadcastQueueWorker(h.api.deps.env);
  shop = await h.connectShop('broadcasts');
  templateSid = (await h.control.createTemplate(shop.subaccountSid, { friendlyName: 'weekend_deal', body: 'Hi {{1}}! This weekend only: {{2}}.' })).sid;
  await h.control.createTemplate(shop.subaccountSid, { friendlyName: 'not_yet', body: 'Pending {{1}}', approval: 'pending' });
});
afterAll(async () => {
  await broadcastWorker?.stop();
  await h?.close();
});

const api = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: Record<string, unknown>, session = shop.session) =>
  h.api.app.inject({ method, url, headers: method === 'GET' ? { cookie: session.cookie } : authHeaders(session), ...(payload === undefined ? {} : { payload }) });

const vip = [uniquePhone(), uniquePhone(), uniquePhone()];
const message = () => ({
  channel: 'whatsapp',
  audience: { tags: ['vip'] },
  contentSid: templateSid,
  variables: { '1': { field: 'first_name', fallback: 'friend' }, '2': { text: '2 for 1 on mugs' } },
});

describe('broadcast audience', () => {
  it('records opt-ins with their source and time, tags, and refuses to opt in someone who opted out', async () => {
    const recorded = await api('POST', '/api/customers/opt-ins', {
      channel: 'whatsapp',
      source: 'website_form',
      consentedAt: '2026-01-05T10:00:00Z',
      customers: [...vip.map((phone, i) => ({ phone, firstName: ['Ana', 'Bo', null][i], tags: ['VIP'] })), { phone: uniquePhone(), tags: [] }],
    });
    expect(recorded.statusCode).toBe(200);
    expect(recorded.json()).toEqual({ added: 4, updated: 0, refused: [] });

    const list = (await api('GET', '/api/customers?channel=whatsapp&consent=reachable&tag=vip')).json<{ items: Array<{ phone: string; optInSource: string; optedInAt: string; tags: string[] }>; tags: unknown[] }>();
    expect(list.items.map((c) => c.phone).sort()).toEqual([...vip].sort());
    expect(list.items[0]).toMatchObject({ optInSource: 'website_form', optedInAt: '2026-01-05T10:00:00.000Z', tags: ['vip'] });
    expect(list.tags).toEqual([{ tag: 'vip', customers: 3 }]);

    // A customer who said STOP keeps their opt-out: only they can opt back in.
    const quitter = uniquePhone();
    await api('POST', '/api/customers/opt-ins', { channel: 'whatsapp', source: 'checkout', customers: [{ phone: quitter, tags: ['vip'] }] });
    await h.prisma.conversation.updateMany({ where: { tenantId: shop.tenantId, customerAddress: `whatsapp:${quitter}` }, data: { optedOut: true, optedOutAt: new Date() } });
    const again = await api('POST', '/api/customers/opt-ins', { channel: 'whatsapp', source: 'checkout', customers: [{ phone: quitter }] });
    expect(again.json()).toEqual({ added: 0, updated: 0, refused: [quitter] });
    expect(await h.prisma.auditLog.count({ where: { tenantId: shop.tenantId, action: 'conversation.opt_ins_recorded' } })).toBe(3);
  });
});

describe('a WhatsApp broadcast through the API', () => {
  let broadcastId: string;

  it('lists only approved templates, and previews the count and a rendered sample', async () => {
    const templates = (await api('GET', '/api/broadcasts/templates')).json<{ templates: Array<{ contentSid: string; placeholders: string[] }> }>().templates;
    expect(templates).toEqual([expect.objectContaining({ contentSid: templateSid, placeholders: ['1', '2'] })]);

    const preview = await api('POST', '/api/broadcasts/preview', message());
    expect(preview.statusCode).toBe(200);
    const body = preview.json<{ recipients: number; sample: { text: string; name: string }; problems: string[]; estimatedSeconds: number }>();
    expect(body.recipients).toBe(3);
    expect(body.problems).toEqual([]);
    expect(body.sample.text).toBe(`Hi ${body.sample.name ?? 'friend'}! This weekend only: 2 for 1 on mugs.`);
    expect(body.estimatedSeconds).toBe(1);

    const missing = (await api('POST', '/api/broadcasts/preview', { ...message(), variables: {} })).json<{ problems: string[] }>();
    expect(missing.problems).toEqual(['Say what goes into {{1}}, {{2}}.']);
  });

  it('sends it: progress to delivered, recipients paged, audited, no Temporal link for the merchant', async () => {
    const created = await api('POST', '/api/broadcasts', { ...message(), name: 'Weekend deal' });
    expect(created.statusCode).toBe(201);
    const body = created.json<{ broadcast: { id: string; status: string }; workflow: { url: string | null } }>();
    broadcastId = body.broadcast.id;
    expect(body.workflow.url).toBeNull();

    const done = await eventually(async () => {
      const d = (await api('GET', `/api/broadcasts/${broadcastId}`)).json<{ broadcast: { status: string; counts: { delivered: number; sent: number; total: number } } }>();
      return d.broadcast.status === 'completed' && d.broadcast.counts.delivered === 3 ? d : null;
    }, 'the broadcast to be delivered', 30_000);
    expect(done.broadcast.counts).toMatchObject({ total: 3, sent: 3, delivered: 3, failed: 0, skipped: 0, pending: 0 });

    const { messages } = await h.control.messages({ accountSid: shop.subaccountSid, direction: 'outbound-api' });
    const toVip = messages.filter((m) => vip.includes(m.to.replace('whatsapp:', '')));
    expect(toVip).toHaveLength(3);
    expect(toVip.map((m) => m.body).sort()).toEqual(['Hi Ana! This weekend only: 2 for 1 on mugs.', 'Hi Bo! This weekend only: 2 for 1 on mugs.', 'Hi friend! This weekend only: 2 for 1 on mugs.']);

    const page1 = (await api('GET', `/api/broadcasts/${broadcastId}/recipients?limit=2`)).json<{ items: Array<{ status: string; seq: number }>; nextCursor: string }>();
    expect(page1.items.map((r) => r.status)).toEqual(['delivered', 'delivered']);
    const page2 = (await api('GET', `/api/broadcasts/${broadcastId}/recipients?limit=2&cursor=${page1.nextCursor}`)).json<{ items: unknown[]; nextCursor: string | null }>();
    expect(page2).toMatchObject({ items: [expect.objectContaining({ seq: 3, status: 'delivered' })], nextCursor: null });

    const actions = (await h.prisma.auditLog.findMany({ where: { tenantId: shop.tenantId, targetId: broadcastId }, orderBy: { createdAt: 'asc' } })).map((a) => a.action);
    expect(actions).toEqual(['broadcast.created', 'broadcast.started', 'broadcast.sent']);
  });

  it('allows one active broadcast per channel; a scheduled one can be paused, resumed and cancelled, each audited', async () => {
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const scheduled = await api('POST', '/api/broadcasts', { ...message(), name: 'Later', scheduledAt: later });
    expect(scheduled.statusCode).toBe(201);
    const id = scheduled.json<{ broadcast: { id: string; status: string } }>().broadcast.id;
    expect(scheduled.json<{ broadcast: { status: string } }>().broadcast.status).toBe('scheduled');

    const second = await api('POST', '/api/broadcasts', { ...message(), name: 'Too many' });
    expect(second.statusCode).toBe(409);
    expect(second.json<{ message: string }>().message).toMatch(/“Later” is still scheduled/);

    expect((await api('POST', `/api/broadcasts/${id}/pause`)).statusCode).toBe(202);
    expect((await api('POST', `/api/broadcasts/${id}/resume`)).statusCode).toBe(202);
    expect((await api('POST', `/api/broadcasts/${id}/resume`)).statusCode).toBe(409);
    expect((await api('POST', `/api/broadcasts/${id}/cancel`)).statusCode).toBe(202);
    await eventually(async () => (await h.prisma.broadcast.findUniqueOrThrow({ where: { id } })).status === 'cancelled', 'the cancel', 20_000);
    const actions = (await h.prisma.auditLog.findMany({ where: { tenantId: shop.tenantId, targetId: id }, orderBy: { createdAt: 'asc' } })).map((a) => a.action);
    expect(actions).toEqual(['broadcast.created', 'broadcast.paused', 'broadcast.resumed', 'broadcast.canceled']);
  });

  it('refuses to send for a tenant whose trial ended (billing gate), and hides broadcasts from other tenants', async () => {
    await h.prisma.tenant.update({ where: { id: shop.tenantId }, data: { plan: 'trial_expired' } });
    const refused = await api('POST', '/api/broadcasts', { ...message(), name: 'Expired' });
    expect(refused.statusCode).toBe(402);
    expect(refused.json<{ error: string; message: string }>()).toMatchObject({ error: 'billing_gate', message: expect.stringMatching(/Broadcasts are paused: the free trial has ended/) });
    await h.prisma.tenant.update({ where: { id: shop.tenantId }, data: { plan: 'trial' } });

    const other = await signUp(h.api.app, { companyName: 'Someone else' });
    expect((await api('GET', `/api/broadcasts/${broadcastId}`, undefined, other)).statusCode).toBe(404);
    expect((await api('GET', `/api/broadcasts/${broadcastId}/recipients`, undefined, other)).statusCode).toBe(404);
    expect((await api('POST', `/api/broadcasts/${broadcastId}/cancel`, undefined, other)).statusCode).toBe(404);
    expect((await api('GET', '/api/broadcasts', undefined, other)).json<{ items: unknown[] }>().items).toEqual([]);
  });
});
