import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, startTestApi, type TestApi } from '../support/api.js';

/**
 * The client's address decides log-in rate limits and is written to sessions and the audit log, so a
 * client must not be able to choose it: X-Forwarded-For counts only from a trusted hop (TRUST_PROXY, here
 * the default: this host, where the dashboard's proxy runs). And one account has a limit of its own,
 * whatever addresses the attempts come from.
 */
let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ AUTH_RATE_LIMIT_PER_MINUTE: '3', LOGIN_FAILURES_PER_ACCOUNT: '3' });
});
afterAll(async () => api?.close());

const randomAddress = () => `198.51.100.${Math.floor(Math.random() * 250) + 1}`;
const login = (email: string, password: string, from: { remoteAddress: string; forwardedFor?: string }) =>
  api.app.inject({
    method: 'POST',
    url: '/api/auth/login',
    remoteAddress: from.remoteAddress,
    headers: from.forwardedFor ? { 'x-forwarded-for': from.forwardedFor } : {},
    payload: { email, password },
  });

describe('the client address', () => {
  it('a made-up X-Forwarded-For from an untrusted peer does not buy fresh attempts', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await login(`nobody-${randomUUID()}@shop.example`, 'wrong password', { remoteAddress: '203.0.113.7', forwardedFor: randomAddress() });
      statuses.push(res.statusCode);
    }
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(statuses.slice(3)).toEqual([429, 429]);
  });

  it('the trusted proxy hop is believed: the audit trail records the address it forwarded', async () => {
    const email = `proxied-${randomUUID()}@shop.example`;
    const forwarded = '192.0.2.44';
    const res = await login(email, 'wrong password', { remoteAddress: '127.0.0.1', forwardedFor: forwarded });
    expect(res.statusCode).toBe(401);
    const row = await api.prisma.auditLog.findFirstOrThrow({ where: { action: 'auth.login_failed', details: { path: ['email'], equals: email } } });
    expect(row.ip).toBe(forwarded);
  });

  it('one account is refused after repeated failures from many addresses, even with the right password; others are not', async () => {
    const victim = await signUp(api.app);
    for (let i = 0; i < 3; i++) {
      expect((await login(victim.email, `guess ${i}`, { remoteAddress: `203.0.113.${20 + i}` })).statusCode).toBe(401);
    }
    const blocked = await login(victim.email, victim.password, { remoteAddress: '203.0.113.99' });
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json()).toMatchObject({ error: 'account_rate_limited' });
    const other = await signUp(api.app);
    expect((await login(other.email, other.password, { remoteAddress: '203.0.113.98' })).statusCode).toBe(200);
  });
});
