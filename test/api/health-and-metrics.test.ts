import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.js';

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
