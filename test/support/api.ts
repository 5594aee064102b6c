import { randomUUID } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { inject } from 'vitest';
import { buildApi } from '../../api/app.js';
import type { ApiDeps } from '../../api/deps.js';
import { EmailVerifier } from '../../lib/auth/email-verification.js';
import { loadEnv, type Env } from '../../lib/config/env.js';
import { createPrismaClient, type PrismaClient } from '../../lib/db/client.js';
import { closeSqlPool } from '../../lib/db/sql.js';
import { lazyTemporalClient } from '../../lib/temporal/client.js';

/** Signs verification links in tests (the API checks what the worker signs: both read it from the env). */
export const TEST_APP_SECRET = 'test-app-secret-0123456789abcdef0123456789';

/** Env for tests: the shared Postgres and Temporal from the global setup, plus per-test overrides. */
export function testEnv(overrides: Record<string, string> = {}): Env {
  return loadEnv({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: inject('databaseUrl'),
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    AUTH_RATE_LIMIT_PER_MINUTE: '1000',
    // No analytics refresh is scheduled against the shared test database: the health check's analytics
    // component is off unless a test turns it on (test/analytics/ does).
    ANALYTICS_STALE_AFTER_MINUTES: '0',
    // The API checks what the worker signs: both must share it (a per-process one would differ between them).
    APP_SECRET: TEST_APP_SECRET,
    ...overrides,
  });
}

export interface TestApi {
  app: FastifyInstance;
  deps: ApiDeps;
  prisma: PrismaClient;
  close(): Promise<void>;
}

/** The real API on the real shared services; requests go through `app.inject` (no socket) or `listen`. */
export async function startTestApi(overrides: Record<string, string> = {}): Promise<TestApi> {
  const env = testEnv(overrides);
  const prisma = createPrismaClient(env.DATABASE_URL, { max: 4 });
  // As api/main.ts does: connected on first use, so an API can start while Temporal is unreachable.
  const temporal = lazyTemporalClient(env);
  const deps: ApiDeps = { env, prisma, temporal };
  const app = await buildApi(deps, { logger: false });
  return {
    app,
    deps,
    prisma,
    close: async () => {
      await app.close();
      await closeSqlPool(prisma);
      await prisma.$disconnect();
      await temporal.connection.close();
    },
  };
}

export interface TestSession {
  cookie: string;
  csrfToken: string;
  userId: string;
  tenantId: string;
  email: string;
  password: string;
}

/**
 * Signs a new merchant up through the real endpoint and returns what a browser would hold. The address is
 * then marked confirmed (as following the emailed link does; test/accounts/email-verification covers that
 * path), since most tests are about what comes after; `verified: false` keeps it unconfirmed.
 */
export async function signUp(app: FastifyInstance, input: { email?: string; companyName?: string; verified?: boolean } = {}): Promise<TestSession> {
  const email = input.email ?? `owner-${randomUUID()}@shop.example`;
  const password = 'correct horse battery staple';
  const res = await app.inject({
    method: 'POST',
    url: '/api/auth/signup',
    payload: { email, password, name: 'Ada Owner', companyName: input.companyName ?? 'Ada Shop' },
  });
  if (res.statusCode !== 201) throw new Error(`signup failed: ${res.statusCode} ${res.body}`);
  const body = res.json<{ user: { id: string }; tenant: { id: string }; csrfToken: string }>();
  if (input.verified !== false) await markEmailVerified(app, { id: body.user.id, email });
  return { cookie: cookieHeader(res), csrfToken: body.csrfToken, userId: body.user.id, tenantId: body.tenant.id, email, password };
}

/** The `cookie` request header a browser would send back after this response. */
export function cookieHeader(res: LightMyRequestResponse): string {
  return res.cookies.filter((c) => c.value).map((c) => `${c.name}=${c.value}`).join('; ');
}

/** Headers for an authenticated, CSRF-protected request. */
export function authHeaders(session: Pick<TestSession, 'cookie' | 'csrfToken'>): Record<string, string> {
  return { cookie: session.cookie, 'x-csrf-token': session.csrfToken };
}

/**
 * "The owner followed the confirmation link", through the real endpoint: the link's token is signed here
 * with the tests' APP_SECRET, exactly as the worker signs the one it emails.
 */
async function markEmailVerified(app: FastifyInstance, user: { id: string; email: string }): Promise<void> {
  const token = new EmailVerifier(TEST_APP_SECRET).sign({ userId: user.id, email: user.email, expiresAt: Date.now() + 60_000 });
  const res = await app.inject({ method: 'POST', url: '/api/auth/verify-email', payload: { token } });
  if (res.statusCode !== 200) throw new Error(`verify-email failed: ${res.statusCode} ${res.body}`);
}
