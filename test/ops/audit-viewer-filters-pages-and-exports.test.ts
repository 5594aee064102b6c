import { randomUUID } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskIp } from '../../lib/audit/ip-mask.js';
import { authHeaders, signUp, startTestApi, type TestApi, type TestSession } from '../support/api.js';
import { logInOperator } from '../support/operators.js';

/*
 * The audit viewer through the real API: operators see every tenant's trail and filter it by action,
 * tenant, actor and dates, page it by keyset (no entry skipped or repeated, even among equal timestamps),
 * open an entry and export the filter as CSV; a merchant sees their own shop's trail only; viewing and
 * exporting are themselves on the trail; IPs are shown masked.
 */
let api: TestApi;
let operator: TestSession;
let shopA: TestSession;
let shopB: TestSession;
const run = randomUUID().slice(0, 8);
/** Seeded entries of shop A (action `seed.*`), newest first as the viewer orders them. */
let seeded: Array<{ id: string; createdAt: Date; action: string }> = [];
const WINDOW_START = Date.UTC(2025, 2, 1, 12, 0, 0);

beforeAll(async () => {
  api = await startTestApi();
  operator = await logInOperator(api.app, api.prisma);
  // A shop named like a spreadsheet formula: the export must not hand Excel a formula.
  shopA = await signUp(api.app, { companyName: `=HYPERLINK("http://evil.example","${run}")` });
  shopB = await signUp(api.app, { companyName: `Shop B ${run}` });
  const rows = Array.from({ length: 130 }, (_, i) => ({
    tenantId: shopA.tenantId,
    actorUserId: i % 3 === 0 ? shopA.userId : null,
    actorType: (i % 3 === 0 ? 'user' : 'workflow') as 'user' | 'workflow',
    workflowId: i % 3 === 0 ? null : `onboarding:${shopA.tenantId}:${i}`,
    action: i % 2 === 0 ? 'seed.login' : 'seed.upload',
    targetId: i === 7 ? '+SUM(1,2)' : null,
    details: { i, note: i === 9 ? '@danger' : 'ok' },
    ip: i % 2 === 0 ? '203.0.113.77' : '2001:db8:85a3::8a2e:370:7334',
    // Ten-minute steps, with pairs sharing a timestamp so the id tiebreak matters.
    createdAt: new Date(WINDOW_START + Math.floor(i / 2) * 10 * 60_000),
  }));
  await api.prisma.auditLog.createMany({ data: rows });
  seeded = (await api.prisma.auditLog.findMany({ where: { tenantId: shopA.tenantId, action: { startsWith: 'seed.' } }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] })).map((r) => ({
    id: r.id,
    createdAt: r.createdAt,
    action: r.action,
  }));
  expect(seeded).toHaveLength(130);
});
afterAll(async () => {
  await api?.close();
});

type Page = { items: Array<{ id: string; action: string; tenant: { id: string; name: string | null } | null; actor: { type: string; email: string | null; userId: string | null; workflowId: string | null }; ip: string | null }>; nextCursor: string | null };

async function get(session: TestSession, url: string) {
  return api.app.inject({ method: 'GET', url, headers: authHeaders(session) });
}

async function allPages(session: TestSession, base: string, query: Record<string, string>): Promise<Page['items']> {
  const out: Page['items'] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 50; pages++) {
    const params = new URLSearchParams({ ...query, ...(cursor ? { cursor } : {}) });
    const res = await get(session, `${base}?${params}`);
    expect(res.statusCode, res.body).toBe(200);
    const page = res.json<Page>();
    out.push(...page.items);
    cursor = page.nextCursor;
    if (!cursor) return out;
  }
  throw new Error('pagination did not end');
}

describe('operators: every tenant, filtered and paged', () => {
  it('pages by keyset: every entry exactly once, newest first, across equal timestamps', async () => {
    const items = await allPages(operator, '/api/ops/audit', { tenant: shopA.tenantId, action: 'seed.', limit: '17' });
    expect(items.map((i) => i.id)).toEqual(seeded.map((s) => s.id));
  });

  it('filters by action prefix, actor (email, actor type, workflow id prefix) and date range', async () => {
    const logins = await allPages(operator, '/api/ops/audit', { tenant: shopA.tenantId, action: 'seed.login', limit: '200' });
    expect(logins).toHaveLength(65);
    expect(new Set(logins.map((i) => i.action))).toEqual(new Set(['seed.login']));

    const byEmail = await allPages(operator, '/api/ops/audit', { tenant: shopA.tenantId, action: 'seed.', actor: shopA.email.toUpperCase(), limit: '200' });
    expect(byEmail).toHaveLength(44);
    expect(byEmail.every((i) => i.actor.email === shopA.email && i.actor.userId === shopA.userId)).toBe(true);

    const byWorkflows = await allPages(operator, '/api/ops/audit', { tenant: shopA.tenantId, action: 'seed.', actor: 'workflow', limit: '200' });
    expect(byWorkflows).toHaveLength(86);
    const oneRun = await allPages(operator, '/api/ops/audit', { actor: `onboarding:${shopA.tenantId}:5`, limit: '200' });
    expect(oneRun.map((i) => i.actor.workflowId)).toEqual(expect.arrayContaining([`onboarding:${shopA.tenantId}:5`, `onboarding:${shopA.tenantId}:59`]));
    expect(oneRun.every((i) => i.actor.workflowId?.startsWith(`onboarding:${shopA.tenantId}:5`))).toBe(true);

    // [12:00 + 100 min, 12:00 + 200 min): entries 20–39.
    const from = new Date(WINDOW_START + 100 * 60_000).toISOString();
    const to = new Date(WINDOW_START + 200 * 60_000).toISOString();
    const inRange = await allPages(operator, '/api/ops/audit', { tenant: shopA.tenantId, action: 'seed.', from, to, limit: '200' });
    expect(inRange.map((i) => i.id)).toEqual(seeded.filter((s) => s.createdAt >= new Date(from) && s.createdAt < new Date(to)).map((s) => s.id));
    expect(inRange).toHaveLength(20);

    const platform = await allPages(operator, '/api/ops/audit', { tenant: 'none', action: 'ops.', limit: '200' });
    expect(platform.every((i) => i.tenant === null)).toBe(true);
  });

  it('opens an entry: details, masked IP, the workflow link for operators', async () => {
    const withWorkflow = await api.prisma.auditLog.findFirstOrThrow({ where: { tenantId: shopA.tenantId, action: 'seed.upload', workflowId: { not: null } } });
    const res = await get(operator, `/api/ops/audit/${withWorkflow.id}`);
    expect(res.statusCode).toBe(200);
    const body = res.json<{ ip: string; details: { i: number }; actor: { workflowId: string }; workflowUrl: string | null; tenant: { id: string } }>();
    expect(body.ip).toBe('2001:db8:85a3:x:x:x:x:x');
    expect(body.details).toMatchObject({ note: expect.any(String) });
    expect(body.tenant.id).toBe(shopA.tenantId);
    expect(body.workflowUrl).toContain(encodeURIComponent(body.actor.workflowId).slice(0, 10));
    expect(res.body).not.toContain('8a2e:370:7334');
    expect((await get(operator, '/api/ops/audit/does-not-exist')).statusCode).toBe(404);
    // Opening it is on the trail: as the operator, under the entry's tenant, naming the entry.
    const opened = await api.prisma.auditLog.findMany({ where: { action: 'ops.audit_entry_opened', actorUserId: operator.userId } });
    expect(opened).toEqual([
      expect.objectContaining({ tenantId: shopA.tenantId, actorType: 'operator', targetType: 'audit_entry', targetId: withWorkflow.id, details: { action: 'seed.upload' } }),
    ]);
  });

  it('refuses a forged cursor with 400', async () => {
    const res = await get(operator, '/api/ops/audit?cursor=bm90LWEtY3Vyc29y');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_cursor' });
  });

  it('records viewing (once per look) and exporting the trail, as the operator, under the tenant looked at', async () => {
    await get(operator, `/api/ops/audit?tenant=${shopB.tenantId}`);
    // Looking again (another filter, the next page) within minutes is the same look: recorded once.
    await get(operator, `/api/ops/audit?tenant=${shopB.tenantId}&action=auth.`);
    await get(operator, `/api/ops/audit/export.csv?tenant=${shopB.tenantId}&action=auth.`);
    const rows = await api.prisma.auditLog.findMany({ where: { actorUserId: operator.userId, tenantId: shopB.tenantId }, orderBy: [{ createdAt: 'asc' }, { action: 'desc' }] });
    expect(rows.map((r) => [r.action, r.actorType, r.tenantId])).toEqual([
      ['ops.audit_viewed', 'operator', shopB.tenantId],
      ['ops.audit_exported', 'operator', shopB.tenantId],
    ]);
    expect(rows[1]!.details).toEqual({ tenant: shopB.tenantId, action: 'auth.' });
  });
});

describe('CSV export', () => {
  it('streams the filter as CSV: every row, formulas neutralised, IPs masked', async () => {
    const res = await get(operator, `/api/ops/audit/export.csv?tenant=${shopA.tenantId}&action=seed.`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="wara-audit-\d{4}-\d{2}-\d{2}\.csv"/);
    const records = parse(res.body, { bom: true, columns: true }) as Array<Record<string, string>>;
    expect(records.map((r) => r.entry_id)).toEqual(seeded.map((s) => s.id));
    const first = records[0]!;
    expect(Object.keys(first)).toEqual(['time_utc', 'action', 'tenant_id', 'tenant_name', 'actor_type', 'actor_user_id', 'actor_email', 'workflow_id', 'target_type', 'target_id', 'ip_masked', 'details', 'entry_id']);
    // A cell a spreadsheet would run as a formula starts with an apostrophe instead.
    expect(new Set(records.map((r) => r.tenant_name))).toEqual(new Set([`'=HYPERLINK("http://evil.example","${run}")`]));
    expect(records.find((r) => r.target_id !== '')?.target_id).toBe("'+SUM(1,2)");
    expect(new Set(records.map((r) => r.ip_masked))).toEqual(new Set(['203.0.113.x', '2001:db8:85a3:x:x:x:x:x']));
    expect(res.body).not.toContain('203.0.113.77');
    expect(JSON.parse(records.find((r) => r.details?.includes('@danger'))!.details!)).toMatchObject({ note: '@danger' });
  });
});

describe('merchants: their own shop only', () => {
  it("shows a merchant their shop's entries and none of another's, whatever they ask for", async () => {
    const items = await allPages(shopB, '/api/audit', { tenant: shopA.tenantId, limit: '200' });
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((i) => i.tenant?.id === shopB.tenantId)).toBe(true);
    expect((await get(shopB, `/api/audit/${seeded[0]!.id}`)).statusCode).toBe(404);
    const csv = await get(shopB, `/api/audit/export.csv?tenant=${shopA.tenantId}`);
    expect(csv.statusCode).toBe(200);
    expect(csv.body).not.toContain(shopA.tenantId);
    expect(csv.body).toContain(shopB.tenantId);
  });

  it("shows that an operator looked at the shop's trail, but not who", async () => {
    const items = await allPages(shopB, '/api/audit', { action: 'ops.', limit: '200' });
    expect(items.map((i) => i.action)).toEqual(expect.arrayContaining(['ops.audit_viewed', 'ops.audit_exported']));
    for (const item of items) expect(item.actor).toMatchObject({ type: 'operator', email: null, userId: null });
    const detail = await get(shopB, `/api/audit/${items[0]!.id}`);
    expect(detail.json()).toMatchObject({ workflowUrl: null, actor: { email: null } });
  });

  it('gets 403 from the operator API and 401 without a session', async () => {
    expect((await get(shopA, '/api/ops/audit')).statusCode).toBe(403);
    expect((await get(shopA, '/api/ops/audit/export.csv')).statusCode).toBe(403);
    expect((await api.app.inject({ method: 'GET', url: '/api/ops/audit' })).statusCode).toBe(401);
    expect((await api.app.inject({ method: 'GET', url: '/api/audit' })).statusCode).toBe(401);
  });
});

describe('IP masking', () => {
  it.each([
    ['203.0.113.77', '203.0.113.x'],
    ['::ffff:198.51.100.4', '198.51.100.x'],
    ['2001:db8:85a3::8a2e:370:7334', '2001:db8:85a3:x:x:x:x:x'],
    ['2001:0db8:0000:0000:0000:ff00:0042:8329', '2001:db8:0:x:x:x:x:x'],
    ['::1', '0:0:0:x:x:x:x:x'],
    ['fe80::1%eth0', 'fe80:0:0:x:x:x:x:x'],
    ['not an ip', 'x'],
    [null, null],
  ])('%s → %s', (ip, masked) => {
    expect(maskIp(ip)).toBe(masked);
  });
});
