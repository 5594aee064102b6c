// The analytics API's edges: /metrics carries the refresh's lag and duration, bad ranges and zones are 400s
// a person can act on, operators' routes refuse merchants, and the CSV is a CSV.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshAnalytics } from '../../lib/analytics/refresh.js';
import { sqlPool } from '../../lib/db/sql.js';
import { authHeaders, signUp, startTestApi, type TestApi, type TestSession } from '../support/api.js';

let api: TestApi;
let merchant: TestSession;
beforeAll(async () => {
  api = await startTestApi({ RELAY_THREAD: 'false' });
  merchant = await signUp(api.app, { companyName: 'Metrics Shop' });
  await refreshAnalytics(sqlPool(api.prisma));
});
afterAll(async () => {
  await api?.close();
});

describe('the analytics API', () => {
  it('exports the refresh lag and last duration on /metrics', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    const lag = /^wara_analytics_refresh_lag_seconds (\S+)$/m.exec(res.body);
    expect(Number(lag?.[1])).toBeGreaterThanOrEqual(0);
    expect(Number(lag?.[1])).toBeLessThan(600);
    expect(res.body).toMatch(/^wara_analytics_refresh_duration_seconds \d/m);
    expect(res.body).toMatch(/^wara_analytics_refresh_events \d/m);
  });

  it('answers a merchant in their zone, and refuses ranges and zones that make no sense', async () => {
    const ok = await api.app.inject({ method: 'GET', url: '/api/analytics?range=30d', headers: { cookie: merchant.cookie } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json<{ timeZone: string; buckets: string[]; usage: unknown; topTenants: unknown }>()).toMatchObject({ timeZone: 'UTC', usage: expect.any(Object), topTenants: null });
    expect(ok.json<{ buckets: string[] }>().buckets).toHaveLength(30);
    const backwards = await api.app.inject({ method: 'GET', url: '/api/analytics?range=custom&from=2026-05-10&to=2026-05-01', headers: { cookie: merchant.cookie } });
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json<{ message: string }>().message).toBe('The first day of the range is after its last day.');
    const tooLong = await api.app.inject({ method: 'GET', url: '/api/analytics?range=custom&from=2024-01-01&to=2026-01-01', headers: { cookie: merchant.cookie } });
    expect(tooLong.statusCode).toBe(400);
    const notADay = await api.app.inject({ method: 'GET', url: '/api/analytics?range=custom&from=2026-02-30&to=2026-03-31', headers: { cookie: merchant.cookie } });
    expect(notADay.statusCode).toBe(400);
    const zone = await api.app.inject({ method: 'PUT', url: '/api/analytics/time-zone', headers: authHeaders(merchant), payload: { timeZone: 'Mars/Olympus_Mons' } });
    expect(zone.statusCode).toBe(400);
    expect(zone.json<{ error: string }>().error).toBe('unknown_time_zone');
    const csv = await api.app.inject({ method: 'GET', url: '/api/analytics/export.csv?range=7d', headers: { cookie: merchant.cookie } });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body.replace(/^\uFEFF/, '').split('\r\n')[0]).toBe('day (UTC),metric,dimension,count,sum');
  });

  it('keeps the operators’ analytics and the rebuild to operators', async () => {
    expect((await api.app.inject({ method: 'GET', url: '/api/ops/analytics' })).statusCode).toBe(401);
    expect((await api.app.inject({ method: 'GET', url: '/api/ops/analytics', headers: { cookie: merchant.cookie } })).statusCode).toBe(403);
    const rebuild = await api.app.inject({ method: 'POST', url: '/api/ops/analytics/rebuild', headers: authHeaders(merchant), payload: { tenantId: null } });
    expect(rebuild.statusCode).toBe(403);
    expect((await api.app.inject({ method: 'GET', url: '/api/analytics' })).statusCode).toBe(401);
  });
});
