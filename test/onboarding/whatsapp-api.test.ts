// The /api/whatsapp routes end to end: real API, real worker composition (worker/activities.ts), the shared
// Temporal dev server and database, and the Twilio stand-in in process.
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WhatsAppConnection } from '../../api/plugins/onboarding.js';
import { FakeTwilioControl } from '../../fakes/twilio/control-client.js';
import { startFakeTwilio, type FakeTwilio } from '../../fakes/twilio/server.js';
import { formatKey } from '../../lib/crypto/index.js';
import { authHeaders, signUp, startTestApi, type TestApi, type TestSession } from '../support/api.js';
import { startTestWorker, type TestWorker } from '../support/worker.js';
import { eventually, keysOf, MASTER_SID, MASTER_TOKEN, subaccountOf, uniquePhone } from './harness.js';

let fake: FakeTwilio;
let control: FakeTwilioControl;
let api: TestApi;
let worker: TestWorker;

beforeAll(async () => {
  fake = await startFakeTwilio({ masterAccountSid: MASTER_SID, masterAuthToken: MASTER_TOKEN });
  control = new FakeTwilioControl(fake.url);
  const overrides = {
    TEMPORAL_TASK_QUEUE: `whatsapp-api-${randomUUID()}`,
    TWILIO_ACCOUNT_SID: MASTER_SID,
    TWILIO_AUTH_TOKEN: MASTER_TOKEN,
    TWILIO_API_BASE_URL: fake.url,
    SECRETS_ENCRYPTION_KEYS: formatKey('api1', randomBytes(32)),
    SERVER_PUBLIC_URL: 'https://api.wara.example',
  };
  api = await startTestApi(overrides);
  worker = await startTestWorker(api.deps.env);
});
afterAll(async () => {
  await worker?.stop();
  await api?.close();
  await fake?.close();
});

const call = (session: TestSession | null, method: 'GET' | 'POST', url: string, payload?: unknown) =>
  api.app.inject({
    method,
    url,
    headers: session ? { ...authHeaders(session), 'content-type': 'application/json' } : { 'content-type': 'application/json' },
    ...(method === 'POST' ? { payload: JSON.stringify(payload ?? {}) } : {}),
  });

const connection = async (s: TestSession) => (await call(s, 'GET', '/api/whatsapp')).json<WhatsAppConnection>();

describe('/api/whatsapp', () => {
  it('needs a session and, for changes, the CSRF header', async () => {
    expect((await call(null, 'GET', '/api/whatsapp')).statusCode).toBe(401);
    const s = await signUp(api.app);
    const res = await api.app.inject({ method: 'POST', url: '/api/whatsapp/connect', headers: { cookie: s.cookie }, payload: {} });
    expect(res.statusCode).toBe(403);
  });

  it('answers 4xx with a reason for actions that do not apply yet, and for bad numbers', async () => {
    const s = await signUp(api.app);
    expect(await connection(s)).toMatchObject({ status: 'not_connected', run: null, onboarding: null, signup: { embeddedEnabled: false } });
    for (const path of ['check-now', 'disconnect', 'retry']) {
      const res = await call(s, 'POST', `/api/whatsapp/${path}`);
      expect(res.statusCode, path).toBe(409);
      expect(res.json<{ message: string }>().message.length).toBeGreaterThan(10);
    }
    expect((await call(s, 'POST', '/api/whatsapp/test-message', { to: '+14155550123' })).statusCode).toBe(409);
    for (const to of ['12345', 'hello', '', '+0123456789']) {
      const res = await call(s, 'POST', '/api/whatsapp/test-message', { to });
      expect(res.statusCode, to).toBe(400);
    }
    expect((await call(s, 'POST', '/api/whatsapp/test-message', {})).statusCode).toBe(400);
  });

  it('connects: start, live steps, check now, connected, test message, disconnect — no secret ever in a response', async () => {
    const s = await signUp(api.app);
    const started = await call(s, 'POST', '/api/whatsapp/connect');
    expect(started.statusCode).toBe(202);
    const { run } = started.json<{ run: { workflowId: string; runId: string; temporalUiUrl: string | null } }>();
    expect(run.workflowId).toBe(`onboarding:${s.tenantId}`);
    // The Temporal UI is for operators: a merchant's answer carries no link to it.
    expect(run.temporalUiUrl).toBeNull();
    // A double click joins the running attempt.
    expect((await call(s, 'POST', '/api/whatsapp/connect')).json<{ run: { runId: string } }>().run.runId).toBe(run.runId);

    const waiting = await eventually(async () => {
      const c = await connection(s);
      const polled = c.onboarding?.steps.find((x) => x.id === 'sender')?.nextPollAt;
      return c.onboarding?.phase === 'waiting_for_sender' && c.status === 'waiting_for_sender' && polled ? c : null;
    }, 'waiting for the sender');
    expect(waiting.onboarding!.signup).toMatchObject({ mode: 'manual', url: null });
    const [sub] = subaccountOf(fake, s.tenantId);
    expect(waiting.onboarding!.signup.subaccountSid).toBe(sub!.sid);
    expect(waiting.onboarding!.steps.find((x) => x.id === 'sender')).toMatchObject({ state: 'waiting', nextPollAt: expect.any(String) });

    const phone = uniquePhone();
    const sender = await control.createSender(sub!.sid, { phoneNumber: phone, onlineAfterMs: 0 });
    expect((await call(s, 'POST', '/api/whatsapp/check-now')).statusCode).toBe(202);
    const connected = await eventually(async () => {
      const c = await connection(s);
      return c.status === 'connected' && c.run?.status === 'COMPLETED' ? c : null;
    }, 'connected');
    expect(connected).toMatchObject({ phoneNumber: phone, subaccountSid: sub!.sid, lastError: null, run: { status: 'COMPLETED' } });
    expect(connected.onboarding?.phase).toBe('connected');
    expect((await call(s, 'POST', '/api/whatsapp/connect')).statusCode).toBe(409);

    const sent = await call(s, 'POST', '/api/whatsapp/test-message', { to: 'whatsapp:+44 7700 900123' });
    expect(sent.statusCode).toBe(200);
    expect(sent.json()).toMatchObject({ messageSid: expect.stringMatching(/^SM/), to: '+447700900123' });
    const { messages } = await control.messages({ accountSid: sub!.sid, direction: 'outbound-api' });
    expect(messages.map((m) => [m.to, m.messagingServiceSid])).toEqual([['whatsapp:+447700900123', connected.messagingServiceSid]]);

    // Twilio refusing the test message (the sender went offline): a 502 with the reason, and on the trail.
    await control.setSenderStatus(sender.sid, 'OFFLINE');
    const refused = await call(s, 'POST', '/api/whatsapp/test-message', { to: '+447700900456' });
    expect(refused.statusCode).toBe(502);
    expect(refused.json<{ message: string }>().message).toContain('code 63007');
    await control.setSenderStatus(sender.sid, 'ONLINE');

    const secrets = [MASTER_TOKEN, sub!.authToken, ...keysOf(fake, sub!.sid).map((k) => k.secret)];
    for (const body of [JSON.stringify(waiting), JSON.stringify(connected), sent.body, refused.body]) {
      for (const secret of secrets) expect(body).not.toContain(secret);
    }

    expect((await call(s, 'POST', '/api/whatsapp/disconnect')).statusCode).toBe(202);
    const gone = await eventually(async () => {
      const c = await connection(s);
      return c.status === 'disconnected' ? c : null;
    }, 'disconnected');
    expect(gone.phoneNumber).toBeNull();
    expect(keysOf(fake, sub!.sid)).toEqual([]);
    const trail = await api.prisma.auditLog.findMany({ where: { tenantId: s.tenantId, action: { startsWith: 'integration.' } }, orderBy: { createdAt: 'asc' } });
    expect(trail.map((a) => a.action)).toEqual([
      'integration.connect_requested',
      'integration.connect_requested', // the double click, which joined the same run
      'integration.connected',
      'integration.test_message',
      'integration.test_message',
      'integration.disconnect_requested',
      'integration.disconnected',
    ]);
    const entry = (action: string) => trail.filter((a) => a.action === action);
    // Requests are the merchant's, from their address; what the workflow did carries its workflow id.
    const merchant = { actorType: 'user', actorUserId: s.userId, workflowId: null, ip: expect.any(String) };
    expect(entry('integration.connect_requested')).toEqual([1, 2].map(() => expect.objectContaining({ ...merchant, details: { workflowId: run.workflowId, runId: run.runId } })));
    expect(entry('integration.disconnect_requested')[0]).toMatchObject({ ...merchant, details: { workflowId: `onboarding:${s.tenantId}` } });
    for (const action of ['integration.connected', 'integration.disconnected']) {
      expect(entry(action)[0], action).toMatchObject({ actorType: 'workflow', actorUserId: null, workflowId: `onboarding:${s.tenantId}`, ip: null });
    }
    expect(entry('integration.test_message').map((a) => a.details)).toEqual([
      { to: '+44•••••••123', outcome: 'sent', messageSid: sent.json<{ messageSid: string }>().messageSid },
      { to: '+44•••••••456', outcome: 'failed', reason: expect.stringContaining('code 63007') },
    ]);
  });

  it('shows a failure with its reason and retries it as a new run', async () => {
    const s = await signUp(api.app);
    const first = (await call(s, 'POST', '/api/whatsapp/connect')).json<{ run: { runId: string } }>().run;
    await eventually(async () => (await connection(s)).onboarding?.phase === 'waiting_for_sender', 'waiting');
    const [sub] = subaccountOf(fake, s.tenantId);
    await control.createSender(sub!.sid, {
      phoneNumber: uniquePhone(),
      timeline: [{ status: 'OFFLINE', afterMs: 0 }],
      offlineReasons: [{ code: '63113', message: 'Display name rejected' }],
    });
    await call(s, 'POST', '/api/whatsapp/check-now');
    const failed = await eventually(async () => {
      const c = await connection(s);
      return c.status === 'failed' && c.run?.status === 'FAILED' ? c : null;
    }, 'failed');
    expect(failed.lastError).toContain('Display name rejected (63113)');
    expect(failed.onboarding?.failure).toMatchObject({ step: 'sender' });

    const retried = await call(s, 'POST', '/api/whatsapp/retry');
    expect(retried.statusCode).toBe(202);
    expect(retried.json<{ run: { runId: string } }>().run.runId).not.toBe(first.runId);
  });
});
