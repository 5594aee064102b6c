import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authHeaders, signUp, startTestApi, type TestApi, type TestSession } from '../support/api.js';

/**
 * Walks every route the API has (read from the router, so a new route is covered the day it lands) with
 * tenant B's session against tenant A's ids, and checks B never sees A's data.
 */
let api: TestApi;
let a: TestSession;
let b: TestSession;
const marker = `SECRET-${randomUUID().slice(0, 8)}`;
const aIds: string[] = [];

/** Routes that are public or operator-wide by design; everything else must be tenant-isolated. */
const NOT_TENANT_DATA = new Set(['GET /health', 'GET /metrics', 'GET /api/auth/providers', 'POST /api/auth/signup', 'POST /api/auth/login']);

beforeAll(async () => {
  api = await startTestApi({ TEMPORAL_TASK_QUEUE: `isolation-${randomUUID()}` });
  a = await signUp(api.app, { companyName: `Shop A ${marker}` });
  b = await signUp(api.app, { companyName: 'Shop B' });
  aIds.push(...(await seedTenant(api, a.tenantId)));
});
afterAll(async () => {
  await api?.close();
});

async function seedTenant({ prisma }: TestApi, tenantId: string): Promise<string[]> {
  const account = await prisma.integrationAccount.create({
    data: { tenantId, channel: 'whatsapp', status: 'connected', subaccountSid: `AC${randomUUID().replace(/-/g, '')}`, lastError: marker },
  });
  const conversation = await prisma.conversation.create({
    data: { tenantId, accountId: account.id, channel: 'whatsapp', customerAddress: `whatsapp:+1555${Date.now() % 10_000_000}`, customerName: marker, lastMessageAt: new Date() },
  });
  const message = await prisma.message.create({
    data: { tenantId, conversationId: conversation.id, direction: 'inbound', providerMessageSid: `SM${randomUUID().replace(/-/g, '')}`, body: `Do you have ${marker}?`, status: 'received', source: 'customer' },
  });
  const product = await prisma.product.create({ data: { tenantId, sku: `SKU-${marker}`, name: `Widget ${marker}`, price: '12.50', currency: 'USD' } });
  const catalogImport = await prisma.catalogImport.create({
    data: { tenantId, uploadId: randomUUID(), fileName: `${marker}.csv`, format: 'csv', status: 'completed' },
  });
  const audit = await prisma.auditLog.create({ data: { tenantId, actorType: 'system', action: 'test.seeded', details: { note: marker } } });
  return [account.id, conversation.id, message.id, product.id, catalogImport.id, audit.id, tenantId];
}

describe('tenant isolation', () => {
  it('covers a meaningful set of routes', () => {
    const tenantRoutes = api.app.routeList.filter((r) => !NOT_TENANT_DATA.has(`${r.method} ${r.url}`));
    expect(tenantRoutes.length).toBeGreaterThanOrEqual(4);
  });

  it("no route shows tenant B anything of tenant A's", async () => {
    const problems: string[] = [];
    for (const route of api.app.routeList) {
      if (NOT_TENANT_DATA.has(`${route.method} ${route.url}`) || route.url === '/api/auth/logout') continue;
      const hasParams = route.url.includes(':');
      const urls = hasParams ? aIds.map((id) => route.url.replace(/:[A-Za-z]+/g, id)) : [route.url];
      for (const url of urls) {
        const res = await api.app.inject({
          method: route.method as 'GET',
          url,
          headers: { ...authHeaders(b), 'content-type': 'application/json' },
          payload: route.method === 'GET' || route.method === 'DELETE' ? undefined : '{}',
        });
        const leaked = res.body.includes(marker) || aIds.some((id) => id !== a.tenantId && res.body.includes(id));
        if (leaked) problems.push(`${route.method} ${url} → ${res.statusCode} leaked A's data`);
        if (hasParams && res.statusCode < 400) problems.push(`${route.method} ${url} → ${res.statusCode} (expected 4xx for another tenant's id)`);
        if (res.statusCode >= 500) problems.push(`${route.method} ${url} → ${res.statusCode}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('every operator route (/api/ops/*) answers 403 to a merchant, before doing anything', async () => {
    const opsRoutes = api.app.routeList.filter((r) => r.url.startsWith('/api/ops'));
    expect(opsRoutes.length).toBeGreaterThanOrEqual(5);
    const answers: string[] = [];
    for (const route of opsRoutes) {
      const url = route.url.replace(/:[A-Za-z]+/g, aIds[0]!);
      const res = await api.app.inject({
        method: route.method as 'GET',
        url,
        headers: { ...authHeaders(b), 'content-type': 'application/json' },
        payload: route.method === 'GET' ? undefined : '{}',
      });
      answers.push(`${route.method} ${url} → ${res.statusCode}`);
      expect(res.body).not.toContain(marker);
    }
    expect(answers.filter((a) => !a.endsWith('→ 403'))).toEqual([]);
  });

  it("tenant A does see its own data (the seed is visible, so the test above is meaningful)", async () => {
    const res = await api.app.inject({ method: 'GET', url: '/api/dashboard', headers: { cookie: a.cookie } });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(marker);
    const trail = await api.app.inject({ method: 'GET', url: `/api/audit/${aIds[5]}`, headers: { cookie: a.cookie } });
    expect(trail.statusCode).toBe(200);
    expect(trail.body).toContain(marker);
  });
});
