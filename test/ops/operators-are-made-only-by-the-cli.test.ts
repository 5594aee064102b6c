import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { OPERATIONS_TENANT } from '../../lib/auth/operators.js';
import { authHeaders, cookieHeader, signUp, startTestApi, type TestApi } from '../support/api.js';
import { runScript, type CliResult } from '../support/cli.js';

/*
 * Operators (platform staff) exist only because someone ran `npm run operator -- add EMAIL`: the command
 * makes the account in the internal "WARA Operations" tenant and prints its password once. Sign-up never
 * makes one, a merchant's account is never turned into one, and `remove` ends their sessions at once.
 */
let api: TestApi;

beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api?.close();
});

function operatorCommand(...args: string[]): Promise<CliResult> {
  return runScript('scripts/operator.ts', args, { DATABASE_URL: inject('databaseUrl'), USER: 'ops-lead', WEB_PUBLIC_URL: 'https://dash.wara.example' });
}

async function logIn(email: string, password: string) {
  return api.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } });
}

describe('npm run operator', () => {
  it('add: makes an operator in the internal tenant and prints the password once; it logs in as an operator', async () => {
    const email = `Ops-${randomUUID()}@WARA.example`;
    const added = await operatorCommand('add', email);
    expect(added.code, added.stderr).toBe(0);
    const password = /password \(shown once, not stored\): (\S+)/.exec(added.stdout)?.[1];
    expect(password).toBeDefined();
    expect((added.stdout + added.stderr).split(password!).length - 1).toBe(1);
    expect(added.stdout).toContain('https://dash.wara.example/login?next=%2Fops');

    const login = await logIn(email.toLowerCase(), password!);
    expect(login.statusCode).toBe(200);
    expect(login.json()).toMatchObject({ user: { email: email.toLowerCase(), isOperator: true, isAdmin: true, emailVerified: true }, tenant: { name: OPERATIONS_TENANT.name } });
    const tenant = await api.prisma.tenant.findUniqueOrThrow({ where: { slug: OPERATIONS_TENANT.slug } });
    expect(tenant).toMatchObject({ plan: 'internal', trialEndsAt: null });
    const audit = await api.prisma.auditLog.findFirstOrThrow({ where: { action: 'ops.operator_added', details: { path: ['email'], equals: email.toLowerCase() } } });
    expect(audit).toMatchObject({ actorType: 'system', tenantId: tenant.id, details: { via: 'cli', by: 'ops-lead', outcome: 'created' } });
    expect(JSON.stringify(audit)).not.toContain(password!);
    expect((await api.app.inject({ method: 'GET', url: '/api/ops/credentials', headers: { cookie: cookieHeader(login) } })).statusCode).toBe(200);

    const again = await operatorCommand('add', email);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already an operator');
    expect(again.stdout).not.toContain('password (shown once');

    const listed = await operatorCommand('list');
    expect(listed.stdout).toContain(email.toLowerCase());
  });

  it("refuses to turn a merchant's account into an operator", async () => {
    const merchant = await signUp(api.app);
    const refused = await operatorCommand('add', merchant.email);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("is a merchant's account");
    expect(await api.prisma.user.findUniqueOrThrow({ where: { id: merchant.userId } })).toMatchObject({ isAdmin: false, tenantId: merchant.tenantId });
  });

  it('remove: the flag, the password and every session go at once; the account stays for the trail', async () => {
    const email = `leaver-${randomUUID()}@wara.example`;
    const added = await operatorCommand('add', email);
    const password = /password \(shown once, not stored\): (\S+)/.exec(added.stdout)![1]!;
    const login = await logIn(email, password);
    const session = { cookie: cookieHeader(login), csrfToken: login.json<{ csrfToken: string }>().csrfToken };
    expect((await api.app.inject({ method: 'GET', url: '/api/ops/alerts', headers: authHeaders(session) })).statusCode).toBe(200);

    const removed = await operatorCommand('remove', email);
    expect(removed.code, removed.stderr).toBe(0);
    expect((await api.app.inject({ method: 'GET', url: '/api/ops/alerts', headers: authHeaders(session) })).statusCode).toBe(401);
    expect((await logIn(email, password)).statusCode).toBe(401);
    expect(await api.prisma.user.findUniqueOrThrow({ where: { email } })).toMatchObject({ isAdmin: false, passwordHash: null });
    expect(await api.prisma.auditLog.count({ where: { action: 'ops.operator_removed', details: { path: ['email'], equals: email } } })).toBe(1);
    expect((await operatorCommand('remove', email)).code).toBe(1);
    expect((await operatorCommand('frobnicate')).code).toBe(2);
  });

  it('sign-up never makes an operator, whatever the body says', async () => {
    const res = await api.app.inject({
      method: 'POST',
      url: '/api/auth/signup',
      payload: { email: `sneaky-${randomUUID()}@shop.example`, password: 'correct horse battery staple', companyName: 'Sneaky', isAdmin: true, isOperator: true },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ user: { isAdmin: false, isOperator: false } });
  });
});
