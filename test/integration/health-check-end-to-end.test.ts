import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../../fakes/openai/server.js';
import { startFakeTwilio } from '../../fakes/twilio/server.js';
import { LOCAL_TWILIO } from '../../scripts/devstack/local-providers.js';
import { authHeaders, signUp, startTestApi, type TestApi, type TestSession } from '../support/api.js';
import { startTestWorker, type TestWorker } from '../support/worker.js';

/**
 * The whole path on real infrastructure: dashboard API → Temporal dev server → worker running the real
 * activities → Postgres, probing the real SDKs against the local Twilio and OpenAI stand-ins.
 */
let api: TestApi;
let worker: TestWorker;
let admin: TestSession;
let twilio: Awaited<ReturnType<typeof startFakeTwilio>>;
let openai: Awaited<ReturnType<typeof startFakeOpenAI>>;

beforeAll(async () => {
  twilio = await startFakeTwilio({ masterAccountSid: LOCAL_TWILIO.accountSid, masterAuthToken: LOCAL_TWILIO.authToken });
  openai = await startFakeOpenAI();
  const overrides = {
    TEMPORAL_TASK_QUEUE: `health-e2e-${randomUUID()}`,
    TWILIO_ACCOUNT_SID: LOCAL_TWILIO.accountSid,
    TWILIO_AUTH_TOKEN: LOCAL_TWILIO.authToken,
    TWILIO_API_BASE_URL: twilio.url,
    OPENAI_API_KEY: 'test-key',
    OPENAI_BASE_URL: openai.url,
  };
  api = await startTestApi(overrides);
  worker = await startTestWorker(api.deps.env);
  admin = await signUp(api.app, { companyName: 'WARA Ops' });
  await api.prisma.user.update({ where: { id: admin.userId }, data: { isAdmin: true } });
});
afterAll(async () => {
  await worker?.stop();
  await api?.close();
  await twilio?.close();
  await openai?.close();
});

/**
 * Starts a manual check and waits for its workflow's RESULT (not for its row: the row is marked finished
 * before the workflow records its alert and completes, so reading the row first raced the run's end),
 * then reads the status the dashboard shows.
 */
async function runCheckAndWait(): Promise<{ runId: string; workflowId: string; body: StatusBody }> {
  const started = await api.app.inject({ method: 'POST', url: '/api/status/health-check', headers: authHeaders(admin) });
  expect(started.statusCode).toBe(202);
  const { workflowId, runId, temporalUiUrl } = started.json<{ workflowId: string; runId: string; temporalUiUrl: string }>();
  expect(temporalUiUrl).toContain(`/${runId}/history`);
  await api.deps.temporal.workflow.getHandle(workflowId, runId).result();
  const res = await api.app.inject({ method: 'GET', url: '/api/status', headers: { cookie: admin.cookie } });
  const body = res.json<StatusBody>();
  expect(body.lastHealthCheck?.runId).toBe(runId);
  return { runId, workflowId, body };
}

interface StatusBody {
  lastHealthCheck: null | {
    runId: string;
    status: string;
    finishedAt: string | null;
    components: Array<{ name: string; status: string; detail: string | null }>;
  };
}

describe('health check end to end', () => {
  it('a manual check probes database, Temporal, Twilio and OpenAI and is recorded', async () => {
    const { runId, workflowId, body } = await runCheckAndWait();
    expect(body.lastHealthCheck?.status).toBe('ok');
    // Starting a check is an operator action: on the platform trail, with who and which run.
    const started = await api.prisma.auditLog.findMany({ where: { action: 'ops.health_check_started', actorUserId: admin.userId } });
    expect(started).toEqual([
      expect.objectContaining({ tenantId: null, actorType: 'operator', targetType: 'workflow', targetId: workflowId, details: { runId }, ip: expect.any(String) }),
    ]);
    expect(body.lastHealthCheck?.components.map((c) => [c.name, c.status])).toEqual([
      ['database', 'up'],
      ['temporal', 'up'],
      ['twilio', 'up'],
      ['openai', 'up'],
    ]);
    const row = await api.prisma.healthCheckRun.findUniqueOrThrow({ where: { runId } });
    expect(row).toMatchObject({ status: 'ok', trigger: 'manual' });
    // The Temporal history really exists on the dev server (what ops open from the dashboard link).
    const described = await api.deps.temporal.workflow.getHandle(row.workflowId, runId).describe();
    expect(described.status.name).toBe('COMPLETED');
  });

  it('a provider that stops answering fails the check and raises one alert', async () => {
    await openai.close();
    const { runId, body } = await runCheckAndWait();
    expect(body.lastHealthCheck?.status).toBe('failed');
    expect(body.lastHealthCheck?.components.find((c) => c.name === 'openai')?.status).toBe('down');
    const row = await api.prisma.healthCheckRun.findUniqueOrThrow({ where: { runId } });
    const alert = await api.prisma.alert.findUniqueOrThrow({ where: { dedupeKey: `health-check:${row.workflowId}` } });
    expect(alert.title).toBe('Health check failed: openai down');
    expect(alert.deliveredAt).not.toBeNull();
  });

  it('merchants may read the status but not start checks; strangers may do neither', async () => {
    const merchant = await signUp(api.app);
    const read = await api.app.inject({ method: 'GET', url: '/api/status', headers: { cookie: merchant.cookie } });
    expect(read.statusCode).toBe(200);
    // The Temporal UI is an operator tool: a merchant gets neither its address nor a run's link.
    const seen = read.json<{ temporalUiBaseUrl: string | null; lastHealthCheck: { temporalUiUrl: string | null } | null }>();
    expect(seen.temporalUiBaseUrl).toBeNull();
    expect(seen.lastHealthCheck?.temporalUiUrl ?? null).toBeNull();
    expect(read.body).not.toContain(api.deps.env.TEMPORAL_UI_URL);
    const start = await api.app.inject({ method: 'POST', url: '/api/status/health-check', headers: authHeaders(merchant) });
    expect(start.statusCode).toBe(403);
    const anonymous = await api.app.inject({ method: 'GET', url: '/api/status' });
    expect(anonymous.statusCode).toBe(401);
  });
});
