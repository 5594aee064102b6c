import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmailVerifier } from '../../lib/auth/email-verification.js';
import { workflowIds } from '../../lib/temporal/names.js';
import { verificationState } from '../../workflows/contracts/email-verification.js';
import { authHeaders, signUp, startTestApi, TEST_APP_SECRET, type TestApi } from '../support/api.js';
import { eventually } from '../support/eventually.js';
import { startTestWorker, type TestWorker } from '../support/worker.js';

/**
 * Anyone can sign up with anyone's address, so an address counts only once its owner followed the signed,
 * expiring link WARA emailed to it; until then the account cannot connect WhatsApp (or pay).
 */
let api: TestApi;
let worker: TestWorker;
beforeAll(async () => {
  api = await startTestApi({ TEMPORAL_TASK_QUEUE: `verify-${randomUUID()}` });
  worker = await startTestWorker(api.deps.env);
});
afterAll(async () => {
  await worker?.stop();
  await api?.close();
});

/** The link in the n-th confirmation email (captured in the outbox: no SMTP in tests). */
async function linkInEmail(userId: string, attempt = 1): Promise<URL> {
  const email = await eventually(() => api.prisma.emailOutbox.findUnique({ where: { idempotencyKey: `verify-email:${userId}:${attempt}` } }), `confirmation email ${attempt}`);
  expect(email.subject).toBe('Confirm your email address for WARA');
  return new URL(/https?:\/\/\S+\/verify-email\?token=\S+/.exec(email.text)![0]);
}
const verify = (token: string) => api.app.inject({ method: 'POST', url: '/api/auth/verify-email', payload: { token } });
const me = async (cookie: string) => (await api.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie } })).json<{ user: { emailVerified: boolean } }>();

describe('email confirmation', () => {
  it('sign-up emails a signed link; until it is followed WhatsApp cannot be connected; then it can, once', async () => {
    const session = await signUp(api.app, { verified: false });
    expect((await me(session.cookie)).user.emailVerified).toBe(false);
    const blocked = await api.app.inject({ method: 'POST', url: '/api/whatsapp/connect', headers: authHeaders(session) });
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json()).toMatchObject({ error: 'email_unverified' });

    const link = await linkInEmail(session.userId);
    expect(link.pathname).toBe('/verify-email');
    const token = link.searchParams.get('token')!;
    const confirmed = await verify(token);
    expect(confirmed.statusCode).toBe(200);
    expect(confirmed.json()).toEqual({ verified: true, email: session.email });
    expect((await me(session.cookie)).user.emailVerified).toBe(true);
    // The workflow hears of it and ends; the same link again is harmless.
    const run = api.deps.temporal.workflow.getHandle(workflowIds.emailVerification(session.userId));
    expect(await run.result()).toMatchObject({ phase: 'verified', linksSent: 1 });
    expect((await verify(token)).statusCode).toBe(200);
    expect((await api.app.inject({ method: 'POST', url: '/api/whatsapp/connect', headers: authHeaders(session) })).statusCode).toBe(202);
  });

  it('a tampered, expired or foreign link confirms nothing', async () => {
    const session = await signUp(api.app, { verified: false });
    const token = (await linkInEmail(session.userId)).searchParams.get('token')!;
    const [payload, mac] = token.split('.');
    const tampered = `${Buffer.from(JSON.stringify({ u: session.userId, e: session.email, x: Date.now() + 10 * 86_400_000 })).toString('base64url')}.${mac}`;
    expect((await verify(tampered)).json()).toMatchObject({ error: 'link_invalid' });
    expect((await verify(`${payload}.${mac}x`)).json()).toMatchObject({ error: 'link_invalid' });
    const signer = new EmailVerifier(TEST_APP_SECRET);
    expect((await verify(signer.sign({ userId: session.userId, email: session.email, expiresAt: Date.now() - 1 }))).json()).toMatchObject({ error: 'link_expired' });
    // Signed for an address this account does not have (e.g. an old one): nothing.
    expect((await verify(signer.sign({ userId: session.userId, email: 'other@shop.example', expiresAt: Date.now() + 60_000 }))).json()).toMatchObject({ error: 'link_invalid' });
    // Signed with another secret (another deployment): nothing.
    expect((await verify(new EmailVerifier('another-secret-0123456789abcdef0123').sign({ userId: session.userId, email: session.email, expiresAt: Date.now() + 60_000 }))).json()).toMatchObject({ error: 'link_invalid' });
    expect((await me(session.cookie)).user.emailVerified).toBe(false);
  });

  it('"send a new link" mails a second one, which works', async () => {
    const session = await signUp(api.app, { verified: false });
    await linkInEmail(session.userId);
    const resent = await api.app.inject({ method: 'POST', url: '/api/auth/verify-email/resend', headers: authHeaders(session) });
    expect(resent.statusCode).toBe(202);
    const second = await linkInEmail(session.userId, 2);
    await eventually(async () => (await api.deps.temporal.workflow.getHandle(workflowIds.emailVerification(session.userId)).query(verificationState)).linksSent === 2, 'two links');
    expect((await verify(second.searchParams.get('token')!)).statusCode).toBe(200);
    expect((await me(session.cookie)).user.emailVerified).toBe(true);
  });
});
