import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApi } from '../../api/app.js';
import { FakeTwilioControl } from '../../fakes/twilio/control-client.js';
import { startFakeOpenAI, type FakeOpenAI } from '../../fakes/openai/server.js';
import { startFakeTwilio, type FakeTwilio } from '../../fakes/twilio/server.js';
import { formatKey } from '../../lib/crypto/index.js';
import { createPrismaClient, type PrismaClient } from '../../lib/db/client.js';
import { closeSqlPool } from '../../lib/db/sql.js';
import type * as Logging from '../../lib/logging.js';
import type * as Pino from 'pino';
import { lazyTemporalClient } from '../../lib/temporal/client.js';
import { freePort } from '../../scripts/devstack/ports.js';
import { authHeaders, signUp, testEnv, type TestSession } from '../support/api.js';
import { eventually } from '../support/eventually.js';
import { logInOperator } from '../support/operators.js';
import { startTestWorker, type TestWorker } from '../support/worker.js';

/*
 * One run of the whole system with production logging, API and worker in this process: sign-up, WhatsApp
 * onboarding (subaccount, API key, sender), a customer's message and the AI's reply, and an operator's
 * credential tests (configured and typed-in). Every line either process would have logged is captured,
 * and none of the secrets that passed through (passwords, session and CSRF tokens, the Twilio master and
 * subaccount tokens, the API key secret, the OpenAI key, the typed-in credentials) appears in any of them.
 */
const captured = vi.hoisted(() => ({ lines: [] as string[] }));

vi.mock('../../lib/logging.js', async (importOriginal) => {
  const actual = await importOriginal<typeof Logging>();
  const stream = { write: (line: string) => void captured.lines.push(line) };
  // Fastify takes `stream` in its logger options (the API's log).
  return { ...actual, loggerOptions: (level: string) => ({ ...actual.loggerOptions(level), stream }) };
});
// The worker's activities log through `pino(loggerOptions(…))`: same options, destination swapped here.
vi.mock('pino', async (importOriginal) => {
  const actual = await importOriginal<typeof Pino>();
  const pino = ((options: { stream?: { write(line: string): void } }, destination?: unknown) =>
    actual.pino(options as never, (destination ?? options.stream) as never)) as unknown as typeof actual.pino;
  return { ...actual, pino, default: pino };
});

const MASTER_SID = `AC${'5ec0de00'.repeat(4)}`;
const MASTER_TOKEN = `master-${randomBytes(12).toString('hex')}`;
const OPENAI_KEY = `sk-proj-${randomBytes(24).toString('hex')}`;

let twilio: FakeTwilio;
let openai: FakeOpenAI;
let control: FakeTwilioControl;
let prisma: PrismaClient;
let app: FastifyInstance;
let worker: TestWorker;
let closeTemporal: () => Promise<void>;
const secrets = new Map<string, string>([
  ['Twilio master token', MASTER_TOKEN],
  ['OpenAI key', OPENAI_KEY],
]);

beforeAll(async () => {
  [twilio, openai] = await Promise.all([startFakeTwilio({ masterAccountSid: MASTER_SID, masterAuthToken: MASTER_TOKEN, config: { messageStatusDelayMs: 10 } }), startFakeOpenAI()]);
  control = new FakeTwilioControl(twilio.url);
  const port = await freePort();
  const env = testEnv({
    LOG_LEVEL: 'trace',
    TEMPORAL_TASK_QUEUE: `full-run-logs-${randomUUID()}`,
    SERVER_PUBLIC_URL: `http://127.0.0.1:${port}`,
    TWILIO_ACCOUNT_SID: MASTER_SID,
    TWILIO_AUTH_TOKEN: MASTER_TOKEN,
    TWILIO_API_BASE_URL: twilio.url,
    OPENAI_API_KEY: OPENAI_KEY,
    OPENAI_BASE_URL: openai.url,
    SECRETS_ENCRYPTION_KEYS: formatKey('logs', randomBytes(32)),
    REPLY_QUIET_PERIOD_MS: '200',
    RELAY_THREAD: 'false',
    ALLOW_TEMPORARY_CREDENTIALS: 'true',
  });
  prisma = createPrismaClient(env.DATABASE_URL, { max: 4 });
  const temporal = lazyTemporalClient(env);
  closeTemporal = () => temporal.connection.close();
  app = await buildApi({ env, prisma, temporal });
  await app.listen({ host: '127.0.0.1', port });
  worker = await startTestWorker(env);
});

afterAll(async () => {
  await worker?.stop();
  await app?.close();
  if (prisma) {
    await closeSqlPool(prisma);
    await prisma.$disconnect();
  }
  await closeTemporal?.();
  await Promise.all([twilio?.close(), openai?.close()]);
});

const call = (session: TestSession, method: 'GET' | 'POST', url: string, payload?: unknown) =>
  app.inject({ method, url, headers: { ...authHeaders(session), 'content-type': 'application/json' }, ...(method === 'POST' ? { payload: JSON.stringify(payload ?? {}) } : {}) });

function remember(session: TestSession, who: string): void {
  secrets.set(`${who} password`, session.password);
  secrets.set(`${who} CSRF token`, session.csrfToken);
  for (const pair of session.cookie.split('; ')) secrets.set(`${who} cookie ${pair.split('=')[0]}`, pair.slice(pair.indexOf('=') + 1));
}

describe('a full run logs no secret', () => {
  it('sign-up, onboarding, a customer message and its reply, credential tests', async () => {
    // Sign-up (and the emailed confirmation link followed).
    const shop = await signUp(app, { companyName: 'Full Run Shop' });
    remember(shop, 'merchant');

    // Onboarding: the workflow makes the subaccount and its API key; the sender comes online.
    expect((await call(shop, 'POST', '/api/whatsapp/connect')).statusCode).toBe(202);
    const sub = await eventually(async () => [...twilio.state.accounts.values()].find((a) => a.friendlyName === `wara:${shop.tenantId}`), 'the subaccount');
    const phone = `+1555${String(randomBytes(4).readUInt32BE() % 10_000_000).padStart(7, '0')}`;
    await eventually(async () => (await call(shop, 'GET', '/api/whatsapp')).json<{ status: string }>().status === 'waiting_for_sender', 'waiting for the sender');
    await control.createSender(sub.sid, { phoneNumber: phone, onlineAfterMs: 0 });
    expect((await call(shop, 'POST', '/api/whatsapp/check-now')).statusCode).toBe(202);
    await eventually(async () => (await call(shop, 'GET', '/api/whatsapp')).json<{ status: string }>().status === 'connected', 'connected');
    secrets.set('subaccount auth token', sub.authToken);
    for (const key of [...twilio.state.keys.values()].filter((k) => k.accountSid === sub.sid)) secrets.set(`API key secret ${key.sid}`, key.secret);

    // A customer writes; the AI answers through Twilio.
    await control.inbound({ to: phone, from: '+15550001234', body: 'Hello, are you open today?', wait: true });
    await eventually(async () => {
      const { messages } = await control.messages({ accountSid: sub.sid, direction: 'outbound-api' });
      return messages.length > 0;
    }, 'the reply');

    // An operator tests the configured credentials and some typed in.
    const operator = await logInOperator(app, prisma);
    remember(operator, 'operator');
    expect((await call(operator, 'POST', '/api/ops/credentials/test', {})).statusCode).toBe(200);
    const typedToken = `typed-${randomBytes(12).toString('hex')}`;
    const typedKey = `sk-typed-${randomBytes(16).toString('hex')}`;
    const typedSmtp = `typed-smtp-${randomBytes(8).toString('hex')}`;
    secrets.set('typed Twilio token', typedToken).set('typed OpenAI key', typedKey).set('typed SMTP password', typedSmtp);
    expect((await call(operator, 'POST', '/api/ops/credentials/test-temporary', { provider: 'twilio', accountSid: MASTER_SID, authToken: typedToken })).json()).toMatchObject({ results: [{ status: 'failed' }] });
    expect((await call(operator, 'POST', '/api/ops/credentials/test-temporary', { provider: 'openai', apiKey: typedKey })).statusCode).toBe(200);
    expect((await call(operator, 'POST', '/api/ops/credentials/test-temporary', { provider: 'smtp', url: `smtp://ops:${typedSmtp}@127.0.0.1:1` })).json()).toMatchObject({ results: [{ status: 'failed' }] });
    // A typed-in credential that fails validation is not logged either.
    expect((await call(operator, 'POST', '/api/ops/credentials/test-temporary', { provider: 'twilio', accountSid: 'bad', authToken: typedToken })).statusCode).toBe(400);

    // The run was logged (API requests, worker activity lines), and nothing secret is in it.
    const text = captured.lines.join('');
    expect(captured.lines.length).toBeGreaterThan(20);
    // The worker's own lines are in it too (its activities log through the same options).
    expect(text).toContain('email captured');
    expect(text).toContain('/api/whatsapp/connect');
    expect(text).toContain('/webhooks/twilio/whatsapp');
    for (const line of captured.lines) expect(() => JSON.parse(line), line).not.toThrow();
    const leaks = [...secrets].filter(([, value]) => value.length >= 8 && text.includes(value)).map(([what]) => what);
    expect(leaks).toEqual([]);
    expect(secrets.size).toBeGreaterThanOrEqual(14);
  });
});
