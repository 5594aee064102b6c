import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatKey } from '../../lib/crypto/keyring.js';
import { signUp, startTestApi, type TestApi } from '../support/api.js';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api?.close();
});

describe('GET /health', () => {
  it('reports the database and Temporal up with latencies', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ status: string; components: Array<{ name: string; status: string; latencyMs: number }> }>();
    expect(body.status).toBe('ok');
    expect(body.components.map((c) => [c.name, c.status])).toEqual([
      ['database', 'up'],
      ['temporal', 'up'],
    ]);
    expect(body.components.every((c) => c.latencyMs >= 0)).toBe(true);
  });

  it('answers 503 naming the component when the database is unreachable', async () => {
    const broken = await startTestApi({ DATABASE_URL: 'postgresql://nobody:x@127.0.0.1:1/none' });
    try {
      const res = await broken.app.inject({ method: 'GET', url: '/health' });
      expect(res.statusCode).toBe(503);
      const body = res.json<{ status: string; components: Array<{ name: string; status: string; detail: string | null }> }>();
      expect(body.status).toBe('down');
      expect(body.components.find((c) => c.name === 'database')).toMatchObject({ status: 'down' });
      expect(body.components.find((c) => c.name === 'temporal')).toMatchObject({ status: 'up' });
    } finally {
      await broken.close();
    }
  });
});

describe('probes: liveness and readiness', () => {
  it('/livez answers while the process runs; /readyz is ready with the database up', async () => {
    expect((await api.app.inject({ method: 'GET', url: '/livez', remoteAddress: '203.0.113.9' })).statusCode).toBe(200);
    const ready = await api.app.inject({ method: 'GET', url: '/readyz', remoteAddress: '203.0.113.9' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', database: 'up', temporal: 'up' });
  });

  it('an API whose Temporal is down still starts, is ready, and says Temporal is down; without its database it is not ready', async () => {
    const noTemporal = await startTestApi({ TEMPORAL_ADDRESS: '127.0.0.1:1' });
    try {
      const res = await noTemporal.app.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ status: 'ready', temporal: 'down' });
    } finally {
      await noTemporal.close();
    }
    const noDatabase = await startTestApi({ DATABASE_URL: 'postgresql://nobody:x@127.0.0.1:1/none', SECRETS_ENCRYPTION_KEYS: formatKey('t', randomBytes(32)) });
    try {
      const res = await noDatabase.app.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ status: 'not_ready', database: 'down' });
      // A webhook that cannot be stored is a 503 with Retry-After (Twilio retries or uses the fallback URL), not a 500.
      const webhook = await noDatabase.app.inject({
        method: 'POST',
        url: '/webhooks/twilio/whatsapp',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'c2lnbmF0dXJl' },
        payload: 'AccountSid=AC00000000000000000000000000000001&From=whatsapp%3A%2B15550001111&To=whatsapp%3A%2B15550002222&MessageSid=SM00000000000000000000000000000001&Body=hi',
      });
      expect(webhook.statusCode).toBe(503);
      expect(webhook.headers['retry-after']).toBe('5');
    } finally {
      await noDatabase.close();
    }
  });
});

describe('internals are not public', () => {
  it('/metrics and /health answer 404 to an outside caller, and to a merchant; a token or the internal network gets them', async () => {
    for (const url of ['/metrics', '/health']) {
      expect((await api.app.inject({ method: 'GET', url, remoteAddress: '203.0.113.9' })).statusCode).toBe(404);
    }
    const merchant = await signUp(api.app);
    expect((await api.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '203.0.113.9', headers: { cookie: merchant.cookie } })).statusCode).toBe(404);
    const withToken = await startTestApi({ METRICS_TOKEN: 'scrape-token-0123456789' });
    try {
      const res = await withToken.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '203.0.113.9', headers: { authorization: 'Bearer scrape-token-0123456789' } });
      expect(res.statusCode).toBe(200);
      const wrong = await withToken.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '203.0.113.9', headers: { authorization: 'Bearer scrape-token-0123456780' } });
      expect(wrong.statusCode).toBe(404);
    } finally {
      await withToken.close();
    }
  });
});

describe('GET /metrics', () => {
  it('exposes Prometheus text with request counters by route', async () => {
    await api.app.inject({ method: 'GET', url: '/health' });
    const res = await api.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toMatch(/wara_http_requests_total\{method="GET",route="\/health",status="200"\} \d+/);
    expect(res.body).toContain('wara_api_process_cpu_seconds_total');
  });
});

describe('errors', () => {
  it('unknown routes get a JSON 404 naming the route', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/api/nothing-here?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: 'not_found', message: 'No route for GET /api/nothing-here' });
  });

  it('malformed JSON is a 400 with a reason, not a 500', async () => {
    const res = await api.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"email": ',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ message: string }>().message).toMatch(/JSON/i);
  });
});
