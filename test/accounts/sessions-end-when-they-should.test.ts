import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_IDLE_MS } from '../../api/auth/context.js';
import { purgeEndedSessions } from '../../lib/auth/session-purge.js';
import { signUp, startTestApi, type TestApi } from '../support/api.js';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => api?.close());

const me = (cookie: string) => api.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie } });
const DAY = 24 * 60 * 60 * 1000;

describe('session hygiene', () => {
  it('a session unused for longer than the idle limit is over, though its cookie has not expired', async () => {
    const session = await signUp(api.app);
    expect((await me(session.cookie)).statusCode).toBe(200);
    await api.prisma.session.updateMany({ where: { userId: session.userId }, data: { lastSeenAt: new Date(Date.now() - SESSION_IDLE_MS - 60_000) } });
    expect((await me(session.cookie)).statusCode).toBe(401);
  });

  it('use keeps a session alive (last seen is recorded, at most once a minute)', async () => {
    const session = await signUp(api.app);
    await api.prisma.session.updateMany({ where: { userId: session.userId }, data: { lastSeenAt: new Date(Date.now() - 2 * 60_000) } });
    await me(session.cookie);
    const row = await api.prisma.session.findFirstOrThrow({ where: { userId: session.userId } });
    expect(Date.now() - row.lastSeenAt!.getTime()).toBeLessThan(30_000);
  });

  it('a suspended account is refused with a reason, whatever session it holds', async () => {
    const session = await signUp(api.app);
    await api.prisma.tenant.update({ where: { id: session.tenantId }, data: { status: 'suspended' } });
    const res = await me(session.cookie);
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ error: 'account_inactive' });
  });

  it('ended sessions are purged a day after they ended; live ones stay', async () => {
    const live = await signUp(api.app);
    const ended = await signUp(api.app);
    const old = new Date(Date.now() - 2 * DAY);
    await api.prisma.session.create({ data: { id: `expired-${ended.userId}`, userId: ended.userId, tenantId: ended.tenantId, csrfTokenHash: 'x', expiresAt: old } });
    await api.prisma.session.create({ data: { id: `revoked-${ended.userId}`, userId: ended.userId, tenantId: ended.tenantId, csrfTokenHash: 'x', expiresAt: new Date(Date.now() + DAY), revokedAt: old } });
    await api.prisma.session.create({
      data: { id: `idle-${ended.userId}`, userId: ended.userId, tenantId: ended.tenantId, csrfTokenHash: 'x', expiresAt: new Date(Date.now() + 10 * DAY), lastSeenAt: new Date(Date.now() - SESSION_IDLE_MS - 2 * DAY) },
    });
    expect(await purgeEndedSessions(api.prisma, SESSION_IDLE_MS)).toBeGreaterThanOrEqual(3);
    expect(await api.prisma.session.count({ where: { id: { startsWith: 'expired-' }, userId: ended.userId } })).toBe(0);
    expect(await api.prisma.session.count({ where: { userId: ended.userId, id: { in: [`revoked-${ended.userId}`, `idle-${ended.userId}`] } } })).toBe(0);
    expect((await me(live.cookie)).statusCode).toBe(200);
  });
});
