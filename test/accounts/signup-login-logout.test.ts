import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../lib/auth/tokens.js';
import { authHeaders, cookieHeader, signUp, startTestApi, type TestApi } from '../support/api.js';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ TEMPORAL_TASK_QUEUE: `accounts-${randomUUID()}` });
});
afterAll(async () => {
  await api?.close();
});

const signupPayload = (over: Record<string, unknown> = {}) => ({
  email: `m-${randomUUID()}@shop.example`,
  password: 'a sensible passphrase',
  companyName: 'Corner Shop',
  ...over,
});

describe('sign-up', () => {
  it('creates tenant, owner, trial and catalog; stores an argon2id hash, never the password', async () => {
    const payload = signupPayload({ attribution: { utm_source: 'newsletter', ref: 'friend42' } });
    const res = await api.app.inject({ method: 'POST', url: '/api/auth/signup', payload });
    expect(res.statusCode).toBe(201);
    const body = res.json<{ user: { id: string; email: string }; tenant: { id: string; plan: string; trialEndsAt: string } }>();
    expect(body.tenant.plan).toBe('trial');
    const days = (Date.parse(body.tenant.trialEndsAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(13.9);
    expect(days).toBeLessThanOrEqual(14);

    const user = await api.prisma.user.findUniqueOrThrow({ where: { id: body.user.id }, include: { tenant: { include: { catalog: true } } } });
    expect(user.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(user.passwordHash).not.toContain(payload.password);
    expect(user.tenant.attribution).toEqual({ utm_source: 'newsletter', ref: 'friend42' });
    expect(user.tenant.catalog).not.toBeNull();

    // The cookie holds a random token; the database only its SHA-256.
    const token = res.cookies.find((c) => c.name === 'wara_session');
    expect(token).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(await api.prisma.session.findUnique({ where: { id: token!.value } })).toBeNull();
    expect(await api.prisma.session.findUnique({ where: { id: hashToken(token!.value) } })).not.toBeNull();
    expect(await api.prisma.auditLog.count({ where: { tenantId: body.tenant.id, action: 'auth.signup' } })).toBe(1);
  });

  it('normalises the email: a second sign-up with other casing is a 409 that says to log in', async () => {
    const email = `Case-${randomUUID()}@Shop.Example`;
    expect((await api.app.inject({ method: 'POST', url: '/api/auth/signup', payload: signupPayload({ email }) })).statusCode).toBe(201);
    const again = await api.app.inject({ method: 'POST', url: '/api/auth/signup', payload: signupPayload({ email: email.toLowerCase() }) });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error: 'email_taken', message: 'An account with this email already exists. Log in instead.' });
  });

  it('rejects weak passwords with reasons and writes nothing', async () => {
    // Other test files sign up in parallel on the same database: look for this attempt's own rows only.
    const email = `weak-${randomUUID()}@shop.example`;
    const companyName = `Weak Shop ${randomUUID()}`;
    for (const [password, reason] of [
      ['short', 'Use at least 10 characters.'],
      ['password123', 'This password is too common'],
      ['aaaaaaaaaaaa', 'Use more than three different characters.'],
    ] as const) {
      const res = await api.app.inject({ method: 'POST', url: '/api/auth/signup', payload: signupPayload({ email, password, companyName }) });
      expect(res.statusCode).toBe(400);
      expect(res.json<{ message: string }>().message).toContain(reason);
    }
    const bad = await api.app.inject({ method: 'POST', url: '/api/auth/signup', payload: { email: 'not-an-email', password: 'x', companyName } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ message: string }>().message).toMatch(/email.*Enter a valid email address/);
    expect(await api.prisma.tenant.count({ where: { name: companyName } })).toBe(0);
    expect(await api.prisma.user.count({ where: { email } })).toBe(0);
  });
});

describe('log-in', () => {
  it('wrong password and unknown email get the same answer; both are audited', async () => {
    const s = await signUp(api.app);
    const wrong = await api.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: s.email, password: 'not the password' } });
    const unknown = await api.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: `nobody-${randomUUID()}@x.example`, password: 'whatever it is' } });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.body).toBe(unknown.body);
    expect(wrong.cookies).toHaveLength(0);
    expect(await api.prisma.auditLog.count({ where: { tenantId: s.tenantId, action: 'auth.login_failed' } })).toBe(1);
  });

  it('the right password opens a new session that /me recognises', async () => {
    const s = await signUp(api.app);
    const res = await api.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: s.email.toUpperCase(), password: s.password } });
    expect(res.statusCode).toBe(200);
    const me = await api.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: cookieHeader(res) } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ user: { email: s.email }, tenant: { id: s.tenantId } });
    expect(await api.prisma.auditLog.count({ where: { tenantId: s.tenantId, action: 'auth.login' } })).toBe(1);
  });
});

describe('sessions', () => {
  it('log-out revokes the session server-side: the old cookie no longer works', async () => {
    const s = await signUp(api.app);
    expect((await api.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: s.cookie } })).statusCode).toBe(200);
    const out = await api.app.inject({ method: 'POST', url: '/api/auth/logout', headers: authHeaders(s) });
    expect(out.statusCode).toBe(204);
    expect((await api.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: s.cookie } })).statusCode).toBe(401);
    expect(await api.prisma.auditLog.count({ where: { tenantId: s.tenantId, action: 'auth.logout' } })).toBe(1);
  });

  it('a session revoked or expired in the database is refused at once', async () => {
    const s = await signUp(api.app);
    await api.prisma.session.updateMany({ where: { userId: s.userId }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await api.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: s.cookie } })).statusCode).toBe(401);
  });

  it('state-changing requests need the CSRF token of the session', async () => {
    const s = await signUp(api.app);
    const none = await api.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie: s.cookie } });
    expect(none.statusCode).toBe(403);
    expect(none.json()).toMatchObject({ error: 'csrf' });
    const forged = await api.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie: s.cookie, 'x-csrf-token': 'guess' } });
    expect(forged.statusCode).toBe(403);
    // The session survived both attempts.
    expect((await api.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: s.cookie } })).statusCode).toBe(200);
  });

  it('a form posted from another site is refused before anything happens', async () => {
    const res = await api.app.inject({
      method: 'POST',
      url: '/api/auth/signup',
      headers: { origin: 'https://evil.example' },
      payload: signupPayload(),
    });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ error: 'bad_origin' });
  });
});

describe('rate limits', () => {
  it('too many log-in attempts get a 429 that says when to retry', async () => {
    const limited = await startTestApi({ AUTH_RATE_LIMIT_PER_MINUTE: '3' });
    try {
      const attempt = () => limited.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'x@y.example', password: 'wrong password' } });
      for (let i = 0; i < 3; i++) expect((await attempt()).statusCode).toBe(401);
      const blocked = await attempt();
      expect(blocked.statusCode).toBe(429);
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
      expect(blocked.json<{ message: string }>().message).toMatch(/^Too many attempts\. Try again in \d+ (seconds?|minutes?)\.$/);
    } finally {
      await limited.close();
    }
  });
});
