import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import formbody from '@fastify/formbody';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cookieHeader, signUp, startTestApi, type TestApi } from '../support/api.js';

/**
 * Google sign-in against a stand-in for Google's token and userinfo endpoints (no internet in tests).
 * It checks what the real Google checks: the code, the client secret and the PKCE verifier.
 */
let google: FastifyInstance;
let googleUrl: string;
let api: TestApi;
const issued = new Map<string, { challenge: string; user: { sub: string; email: string; email_verified: boolean; name: string } }>();

beforeAll(async () => {
  google = Fastify();
  await google.register(formbody);
  google.post<{ Body: Record<string, string> }>('/token', async (req, reply) => {
    const grant = issued.get(req.body.code ?? '');
    const { createHash } = await import('node:crypto');
    const verifierOk = grant && createHash('sha256').update(req.body.code_verifier ?? '').digest('base64url') === grant.challenge;
    if (!grant || req.body.client_secret !== 'google-secret' || !verifierOk) return reply.code(400).send({ error: 'invalid_grant' });
    return { access_token: `at-${req.body.code}`, token_type: 'Bearer' };
  });
  google.get('/userinfo', async (req, reply) => {
    const code = (req.headers.authorization ?? '').replace('Bearer at-', '');
    const grant = issued.get(code);
    return grant ? grant.user : reply.code(401).send({ error: 'invalid_token' });
  });
  googleUrl = await google.listen({ host: '127.0.0.1', port: 0 });
  api = await startTestApi({
    TEMPORAL_TASK_QUEUE: `google-${randomUUID()}`,
    GOOGLE_CLIENT_ID: 'google-client',
    GOOGLE_CLIENT_SECRET: 'google-secret',
    GOOGLE_AUTH_URL: 'https://accounts.google.example/auth',
    GOOGLE_TOKEN_URL: `${googleUrl}/token`,
    GOOGLE_USERINFO_URL: `${googleUrl}/userinfo`,
  });
});
afterAll(async () => {
  await api?.close();
  await google?.close();
});

/** What the browser does: follow our redirect to Google, "consent", come back with a code. */
async function signInWithGoogle(user: { sub: string; email: string; email_verified?: boolean; name?: string }, next = '/app/catalog') {
  const start = await api.app.inject({ method: 'GET', url: `/api/auth/google?next=${encodeURIComponent(next)}` });
  expect(start.statusCode).toBe(302);
  const authorize = new URL(start.headers.location as string);
  expect(authorize.searchParams.get('client_id')).toBe('google-client');
  expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
  expect(authorize.searchParams.get('redirect_uri')).toBe('http://127.0.0.1:5173/api/auth/google/callback');
  const code = randomUUID();
  issued.set(code, { challenge: authorize.searchParams.get('code_challenge')!, user: { email_verified: true, name: 'Gia Google', ...user } });
  return api.app.inject({
    method: 'GET',
    url: `/api/auth/google/callback?code=${code}&state=${authorize.searchParams.get('state')}`,
    headers: { cookie: cookieHeader(start) },
  });
}

describe('Google sign-in', () => {
  it('is advertised to the dashboard only when configured', async () => {
    expect((await api.app.inject({ method: 'GET', url: '/api/auth/providers' })).json()).toEqual({ password: true, google: true });
    const plain = await startTestApi();
    try {
      expect((await plain.app.inject({ method: 'GET', url: '/api/auth/providers' })).json()).toEqual({ password: true, google: false });
      expect((await plain.app.inject({ method: 'GET', url: '/api/auth/google' })).statusCode).toBe(404);
    } finally {
      await plain.close();
    }
  });

  it('a first Google sign-in creates the merchant, opens a session and returns to the page asked for', async () => {
    const email = `gia-${randomUUID()}@gmail.example`;
    const done = await signInWithGoogle({ sub: `sub-${randomUUID()}`, email });
    expect(done.statusCode).toBe(302);
    expect(done.headers.location).toBe('/app/catalog');
    const me = await api.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: cookieHeader(done) } });
    expect(me.json()).toMatchObject({ user: { email, name: 'Gia Google' }, tenant: { name: "Gia Google's shop", plan: 'trial' } });
    const user = await api.prisma.user.findUniqueOrThrow({ where: { email } });
    expect(user.passwordHash).toBeNull();
  });

  it('a returning Google user signs into the same account', async () => {
    const sub = `sub-${randomUUID()}`;
    const email = `again-${randomUUID()}@gmail.example`;
    const first = await signInWithGoogle({ sub, email });
    const second = await signInWithGoogle({ sub, email }, '/app');
    const [a, b] = await Promise.all(
      [first, second].map(async (res) => (await api.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: cookieHeader(res) } })).json<{ tenant: { id: string } }>()),
    );
    expect(a!.tenant.id).toBe(b!.tenant.id);
    expect(await api.prisma.user.count({ where: { googleSub: sub } })).toBe(1);
  });

  it('refuses a callback whose state was not issued to this browser, and unverified emails', async () => {
    const forged = await api.app.inject({ method: 'GET', url: '/api/auth/google/callback?code=x&state=forged' });
    expect(forged.statusCode).toBe(400);
    expect(forged.json()).toMatchObject({ error: 'oauth_state' });
    const unverified = await signInWithGoogle({ sub: `sub-${randomUUID()}`, email: `u-${randomUUID()}@x.example`, email_verified: false });
    expect(unverified.statusCode).toBe(400);
    expect(unverified.json()).toMatchObject({ message: 'Your Google email address is not verified.' });
  });

  it('never links Google to a password account whose address was never confirmed (account pre-hijack)', async () => {
    // Someone signs up first with the owner's address and a password of their own, and never confirms it.
    const email = `owner-${randomUUID()}@gmail.example`;
    const squatter = await signUp(api.app, { email, verified: false });
    const owner = await signInWithGoogle({ sub: `sub-${randomUUID()}`, email });
    expect(owner.statusCode).toBe(409);
    expect(owner.json()).toMatchObject({ error: 'email_unverified' });
    const row = await api.prisma.user.findUniqueOrThrow({ where: { id: squatter.userId } });
    expect(row.googleSub).toBeNull();
    // A confirmed password account is the owner's own: Google links to it.
    const confirmed = await signUp(api.app);
    const linked = await signInWithGoogle({ sub: `sub-${randomUUID()}`, email: confirmed.email });
    expect(linked.statusCode).toBe(302);
    expect((await api.prisma.user.findUniqueOrThrow({ where: { id: confirmed.userId } })).googleSub).not.toBeNull();
  });

  it('never redirects off-site after sign-in', async () => {
    const done = await signInWithGoogle({ sub: `sub-${randomUUID()}`, email: `n-${randomUUID()}@x.example` }, '//evil.example/steal');
    expect(done.headers.location).toBe('/app');
  });
});
