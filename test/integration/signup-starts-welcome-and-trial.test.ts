import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowIds } from '../../lib/temporal/names.js';
import { billingState } from '../../workflows/contracts/billing.js';
import { signUp, startTestApi, type TestApi } from '../support/api.js';
import { startTestWorker, type TestWorker } from '../support/worker.js';

/**
 * Sign-up through the real API, with the real worker: the welcome email goes out once, and the trial timer
 * runs in the tenant's billing workflow (`billing:{tenant}`; new accounts get no `trial:{tenant}` run).
 */
let api: TestApi;
let worker: TestWorker;
beforeAll(async () => {
  api = await startTestApi({ TEMPORAL_TASK_QUEUE: `signup-${randomUUID()}` });
  worker = await startTestWorker(api.deps.env);
});
afterAll(async () => {
  await worker?.stop();
  await api?.close();
});

async function waitFor<T>(read: () => Promise<T | null>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('after sign-up', () => {
  it('the welcome email workflow captures one email (no SMTP configured) and the trial workflow is sleeping', async () => {
    const session = await signUp(api.app, { companyName: 'Welcome Shop' });
    const email = await waitFor(
      () => api.prisma.emailOutbox.findFirst({ where: { idempotencyKey: `welcome:${session.userId}`, status: 'captured' } }),
      'the welcome email',
    );
    expect(email).toMatchObject({ to: session.email, tenantId: session.tenantId, subject: 'Welcome to WARA: your AI replies are three steps away' });
    expect(email.text).toContain('Your 14-day free trial has started.');
    expect(email.text).toContain('http://127.0.0.1:5173/app');

    const billing = api.deps.temporal.workflow.getHandle(workflowIds.billing(session.tenantId));
    expect((await billing.describe()).status.name).toBe('RUNNING');
    const state = await waitFor(() => billing.query(billingState).catch(() => null), 'the billing workflow');
    expect(state).toMatchObject({ phase: 'trialing', plan: 'trial', remindersSent: [] });
    expect(Date.parse(state.trialEndsAt!) - Date.now()).toBeGreaterThan(13.9 * 24 * 60 * 60 * 1000);
    await expect(api.deps.temporal.workflow.getHandle(workflowIds.trial(session.tenantId)).describe()).rejects.toThrow(/not found/);
  });

  it('logging in again starts nothing twice: still one welcome email, one billing run', async () => {
    const session = await signUp(api.app);
    await waitFor(() => api.prisma.emailOutbox.findFirst({ where: { idempotencyKey: `welcome:${session.userId}`, status: 'captured' } }), 'welcome');
    const billing = api.deps.temporal.workflow.getHandle(workflowIds.billing(session.tenantId));
    const firstRun = (await billing.describe()).runId;
    for (let i = 0; i < 2; i++) {
      const res = await api.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: session.email, password: session.password } });
      expect(res.statusCode).toBe(200);
    }
    await new Promise((r) => setTimeout(r, 500));
    // One welcome (the verification link, sent at sign-up, is the other email: the logins sent nothing).
    await waitFor(() => api.prisma.emailOutbox.findFirst({ where: { idempotencyKey: `verify-email:${session.userId}:1` } }), 'the verification email');
    const keys = (await api.prisma.emailOutbox.findMany({ where: { tenantId: session.tenantId } })).map((e) => e.idempotencyKey).sort();
    expect(keys).toEqual([`verify-email:${session.userId}:1`, `welcome:${session.userId}`]);
    const now = await billing.describe();
    expect(now.runId).toBe(firstRun);
    expect(now.status.name).toBe('RUNNING');
    // The email row is written before the workflow completes: wait for the run's result, not the row.
    const welcomeRun = api.deps.temporal.workflow.getHandle(workflowIds.welcomeEmail(session.userId));
    expect(await welcomeRun.result()).toBe('captured');
    expect((await welcomeRun.describe()).status.name).toBe('COMPLETED');
  });
});
