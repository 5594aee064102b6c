// Shared pieces of the fuzz tests: the real API on the shared services (no worker, no Twilio stand-in:
// requests go through `app.inject`), a shop connected the way onboarding leaves it (identifiers + its
// subaccount auth token encrypted at rest), cheap extra sessions, and the arbitraries the files share.
import { randomBytes, randomUUID } from 'node:crypto';
import { setImmediate } from 'node:timers/promises';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, expect } from 'vitest';
import { CSRF_HEADER, SESSION_COOKIE, SESSION_TTL_MS } from '../../api/auth/cookies.js';
import { hashToken, newToken } from '../../lib/auth/tokens.js';
import { createSecretBox, createTenantCredentials, formatKey, parseKeyring } from '../../lib/crypto/index.js';
import type { PrismaClient } from '../../lib/db/client.js';
import { signUp, startTestApi, type TestApi, type TestSession } from '../support/api.js';

/** The URL Twilio "called": signatures are computed over it. Nothing listens there; requests are injected. */
export const PUBLIC_URL = 'http://127.0.0.1:3999';

/**
 * One seed for every property: a failure prints it (with the shrunk counterexample) and reproduces. `FUZZ_SEED`
 * overrides it for a deeper session by hand (`FUZZ_SEED=7 npx vitest run test/fuzz`); the suite keeps this one.
 */
export const SEED = Number(process.env.FUZZ_SEED ?? 20_261_201);

/**
 * Options every property shares: the seed; a run that hangs is a failure (`timeout`); a property still running
 * after a minute stops (on a slow machine, with the runs it has done; when shrinking, with the smallest
 * counterexample found so far, which still fails the test).
 */
export const BOUNDED = { seed: SEED, timeout: 15_000, interruptAfterTimeLimit: 60_000 } as const;

export interface FuzzApi extends TestApi {
  keys: string;
}

export async function startFuzzApi(label: string): Promise<FuzzApi> {
  const keys = formatKey('fuzz', randomBytes(32));
  const api = await startTestApi({
    TEMPORAL_TASK_QUEUE: `fuzz-${label}-${randomUUID()}`,
    SERVER_PUBLIC_URL: PUBLIC_URL,
    SECRETS_ENCRYPTION_KEYS: keys,
    // The fuzz sends a few thousand webhooks a minute; the limiter's 429 is not what is under test.
    WEBHOOK_RATE_LIMIT_PER_MINUTE: '1000000',
    AUTH_RATE_LIMIT_PER_MINUTE: '1000000',
  });
  return { ...api, keys };
}

export interface FuzzShop {
  session: TestSession;
  tenantId: string;
  accountId: string;
  subaccountSid: string;
  messagingServiceSid: string;
  authToken: string;
  /** E.164 of the shop's WhatsApp sender. */
  phone: string;
}

export const twilioSid = (prefix: string) => `${prefix}${randomBytes(16).toString('hex')}`;

export function uniquePhone(): string {
  return `+1555${String(randomBytes(4).readUInt32BE() % 10_000_000).padStart(7, '0')}`;
}

/** A merchant with a connected WhatsApp number: what the webhooks resolve and verify against. */
export async function connectShop(api: FuzzApi): Promise<FuzzShop> {
  const session = await signUp(api.app, { companyName: 'Fuzz Shop' });
  const subaccountSid = twilioSid('AC');
  const messagingServiceSid = twilioSid('MG');
  const authToken = randomBytes(16).toString('hex');
  const phone = uniquePhone();
  const account = await api.prisma.integrationAccount.create({
    data: { tenantId: session.tenantId, status: 'connected', subaccountSid, messagingServiceSid, connectedAt: new Date() },
  });
  const credentials = createTenantCredentials(api.prisma, createSecretBox(parseKeyring(api.keys)));
  await credentials.storeAuthToken({ tenantId: session.tenantId, accountId: account.id }, authToken);
  await api.prisma.integrationIdentifier.createMany({
    data: [
      { tenantId: session.tenantId, accountId: account.id, kind: 'account_sid', value: subaccountSid },
      { tenantId: session.tenantId, accountId: account.id, kind: 'messaging_service_sid', value: messagingServiceSid },
      { tenantId: session.tenantId, accountId: account.id, kind: 'whatsapp_number', value: phone },
    ],
  });
  return { session, tenantId: session.tenantId, accountId: account.id, subaccountSid, messagingServiceSid, authToken, phone };
}

/** A new session for an existing user, written directly (no password hashing): for routes that end one. */
export async function extraSession(prisma: PrismaClient, user: { userId: string; tenantId: string }): Promise<{ cookie: string; csrfToken: string }> {
  const session = newToken();
  const csrf = newToken();
  await prisma.session.create({
    data: { id: hashToken(session), userId: user.userId, tenantId: user.tenantId, csrfTokenHash: hashToken(csrf), expiresAt: new Date(Date.now() + SESSION_TTL_MS) },
  });
  return { cookie: `${SESSION_COOKIE}=${session}`, csrfToken: csrf };
}

export const sessionHeaders = (s: { cookie: string; csrfToken: string }) => ({ cookie: s.cookie, [CSRF_HEADER]: s.csrfToken });

/** Conversations (and their workflows, started by the relay on a task queue no worker polls) of a tenant. */
export async function terminateConversationWorkflows(api: TestApi, tenantId: string): Promise<void> {
  const rows = await api.prisma.conversation.findMany({ where: { tenantId }, select: { workflowId: true } });
  for (const { workflowId } of rows) {
    if (workflowId) await api.deps.temporal.workflow.getHandle(workflowId).terminate('fuzz test over').catch(() => undefined);
  }
}

/**
 * The contract every answer keeps: below 500, and an error is JSON `{error, message}` with a message a
 * person can read. Returns the status for further checks.
 */
export function expectClearAnswer(res: LightMyRequestResponse, what: string): number {
  const context = `${what} → ${res.statusCode} ${res.body.slice(0, 300)}`;
  expect(res.statusCode, context).toBeLessThan(500);
  if (res.statusCode >= 400) {
    expect(res.headers['content-type'], context).toMatch(/application\/json/);
    const body = res.json<{ error?: unknown; message?: unknown }>();
    expect(typeof body.error, context).toBe('string');
    expect(typeof body.message, context).toBe('string');
    expect((body.message as string).trim().length, context).toBeGreaterThan(0);
  }
  return res.statusCode;
}

// ---------------------------------------------------------------------------------------------------------
// Arbitraries

/** Characters that break things: NUL, other controls, quotes, separators, bidi marks, astral, BOM, `%`. */
const NASTY_CHARS = ['\0', '\x01', '\x7f', '\t', '\n', '\r', '"', "'", '\\', ',', ';', '|', '&', '=', '+', '%', '#', '?', '/', '\u202e', '\ufeff', '\u2028', '😀', 'é', '\u0301', '\ufffd'];

/** Well-formed text (no lone surrogates): what a form or JSON body can carry both ways unchanged. */
export const text = (maxLength = 40): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.string({ maxLength }) },
    { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength }) },
    { weight: 2, arbitrary: fc.string({ unit: fc.constantFrom(...NASTY_CHARS), maxLength }) },
    { weight: 1, arbitrary: fc.constantFrom('', ' ', '0', '-1', '1e309', 'NaN', 'null', 'true', 'undefined', '__proto__', '[object Object]', '\0') },
  );

/** Mostly small, now and then big (up to ~200 KB): sizes that find the limits without slowing every run. */
export const sizedText = (): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 8, arbitrary: text() },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('a', 'é', '😀', '\0', '%'), fc.integer({ min: 1_000, max: 200_000 })).map(([c, n]) => c.repeat(n)) },
  );

/** Object keys, including the ones that have bitten JavaScript before. */
export const key = (): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 4, arbitrary: text(20) },
    { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '') },
  );

/** A value with prototype-pollution keys at some depth, as JSON text (an object literal cannot hold `__proto__` as a key). */
export const pollutingJson = (): fc.Arbitrary<string> =>
  fc
    .tuple(fc.constantFrom('__proto__', 'constructor', 'prototype'), fc.jsonValue({ maxDepth: 2 }), fc.integer({ min: 0, max: 3 }))
    .map(([k, v, depth]) => {
      let json = `{${JSON.stringify(k)}:{"polluted":true,"isAdmin":true,"value":${JSON.stringify(v) ?? 'null'}}}`;
      for (let i = 0; i < depth; i++) json = `{"a":${json}}`;
      return json;
    });

/** JSON nested `depth` levels deep (arrays or objects), around an optional leaf. */
export function deeplyNested(depth: number, kind: 'array' | 'object', leaf = '1'): string {
  return kind === 'array' ? `${'['.repeat(depth)}${leaf}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}${leaf}${'}'.repeat(depth)}`;
}

/** A UTF-16 surrogate without its pair: JSON can carry one, a URL or a form cannot. */
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Percent-encoding that a URL parser leaves as is (encodeURIComponent spares !'()*, which URLs re-encode). */
export const encode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** `Object.prototype` must be left untouched by whatever the fuzz sent. */
export function expectPrototypeClean(): void {
  const probe = {} as Record<string, unknown>;
  expect(probe.polluted).toBeUndefined();
  expect(probe.isAdmin).toBeUndefined();
}

/**
 * Errors nobody caught (an 'error' event without a listener, a rejection without a handler) while the file's
 * tests run: in the API process each is a crash. Vitest reports them too, after the fact; recording them lets
 * a property fail on the run that caused one, and shrink it. Call at the top level of a test file.
 */
export function watchUncaught(): { expectNone(): Promise<void> } {
  const seen: unknown[] = [];
  const record = (error: unknown) => void seen.push(error);
  beforeAll(() => {
    process.on('uncaughtException', record);
    process.on('unhandledRejection', record);
  });
  afterAll(() => {
    process.off('uncaughtException', record);
    process.off('unhandledRejection', record);
  });
  return {
    /** A few turns of the event loop for late events to surface; then none may have gone uncaught. */
    async expectNone() {
      await setImmediate();
      await setImmediate();
      expect(seen.splice(0).map((e) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e)))).toEqual([]);
    },
  };
}
