import { createHash, randomBytes, randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import formbody from '@fastify/formbody';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApi } from '../../api/app.js';
import { formatKey } from '../../lib/crypto/index.js';
import { createPrismaClient, type PrismaClient } from '../../lib/db/client.js';
import { closeSqlPool } from '../../lib/db/sql.js';
import type * as Logging from '../../lib/logging.js';
import { connectTemporalClient } from '../../lib/temporal/client.js';
import { temporalLogger, temporalLogLevel } from '../../worker/temporal-logger.js';
import { cookieHeader, testEnv } from '../support/api.js';

/*
 * Whatever the code logs, the log never holds a secret. The real API runs with its production logger
 * options; only the destination is swapped for an in-memory stream, so every line it would have written
 * to stdout is read back here. Each secret below is random, so finding it anywhere in the output
 * (message, URL, nested object, error) is a leak.
 */
const captured = vi.hoisted(() => ({ lines: [] as string[] }));

vi.mock('../../lib/logging.js', async (importOriginal) => {
  const actual = await importOriginal<typeof Logging>();
  const stream = { write: (line: string) => void captured.lines.push(line) };
  // Fastify takes a pino destination as `stream` in its logger options.
  return { ...actual, loggerOptions: (level: string) => ({ ...actual.loggerOptions(level), stream }) };
});

const secret = (label: string) => `${label}-${randomBytes(12).toString('hex')}`;
const leaks: Array<[what: string, value: string]> = [];
const expectSecret = (what: string, value: string) => {
  leaks.push([what, value]);
  return value;
};

let google: FastifyInstance;
let app: FastifyInstance;
let prisma: PrismaClient;
let closeTemporal: () => Promise<void>;
const googleClientSecret = expectSecret('Google client secret', secret('google-client-secret'));
const issued = new Map<string, { challenge: string }>();

beforeAll(async () => {
  google = Fastify();
  await google.register(formbody);
  google.post<{ Body: Record<string, string> }>('/token', async (req, reply) => {
    const grant = issued.get(req.body.code ?? '');
    const verifierOk = grant && createHash('sha256').update(req.body.code_verifier ?? '').digest('base64url') === grant.challenge;
    if (!grant || req.body.client_secret !== googleClientSecret || !verifierOk) return reply.code(400).send({ error: 'invalid_grant' });
    return { access_token: `at-${req.body.code}`, token_type: 'Bearer' };
  });
  google.get('/userinfo', async (req, reply) => {
    const code = (req.headers.authorization ?? '').replace('Bearer at-', '');
    if (!issued.has(code)) return reply.code(401).send({ error: 'invalid_token' });
    const id = createHash('sha256').update(code).digest('hex').slice(0, 16);
    return { sub: `sub-${id}`, email: `logs-${id}@gmail.example`, email_verified: true, name: 'Lou Logs' };
  });
  const googleUrl = await google.listen({ host: '127.0.0.1', port: 0 });

  const env = testEnv({
    LOG_LEVEL: 'trace',
    TEMPORAL_TASK_QUEUE: `logs-${randomUUID()}`,
    GOOGLE_CLIENT_ID: 'google-client',
    GOOGLE_CLIENT_SECRET: googleClientSecret,
    GOOGLE_AUTH_URL: 'https://accounts.google.example/auth',
    GOOGLE_TOKEN_URL: `${googleUrl}/token`,
    GOOGLE_USERINFO_URL: `${googleUrl}/userinfo`,
    SECRETS_ENCRYPTION_KEYS: formatKey('logs', randomBytes(32)),
  });
  prisma = createPrismaClient(env.DATABASE_URL, { max: 2 });
  const temporal = await connectTemporalClient(env);
  closeTemporal = () => temporal.connection.close();
  // The production logger (no `logger: false`): what main.ts runs, writing into `captured`.
  app = await buildApi({ env, prisma, temporal });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  if (prisma) {
    await closeSqlPool(prisma);
    await prisma.$disconnect();
  }
  await closeTemporal?.();
  await google?.close();
});

const output = () => captured.lines.join('');

function expectNoLeaks(): void {
  const text = output();
  expect(captured.lines.length).toBeGreaterThan(0);
  for (const line of captured.lines) expect(() => JSON.parse(line), line).not.toThrow();
  for (const [what, value] of leaks) expect(text.includes(value), `${what} (${value}) appears in the log`).toBe(false);
}

describe('the API log never contains a secret', () => {
  it('Google sign-in: the OAuth code, state, verifier, access token and session cookie', async () => {
    const start = await app.inject({ method: 'GET', url: '/api/auth/google?next=%2Fapp%2Fcatalog' });
    expect(start.statusCode).toBe(302);
    const authorize = new URL(start.headers.location as string);
    const state = expectSecret('OAuth state', authorize.searchParams.get('state')!);
    const pending = JSON.parse(start.cookies.find((c) => c.name === 'wara_google')!.value) as { verifier: string };
    expectSecret('PKCE verifier', pending.verifier);
    const code = expectSecret('OAuth code', `4/0A${randomBytes(16).toString('hex')}`);
    expectSecret('Google access token', `at-${code}`);
    issued.set(code, { challenge: authorize.searchParams.get('code_challenge')! });

    const done = await app.inject({
      method: 'GET',
      url: `/api/auth/google/callback?code=${encodeURIComponent(code)}&state=${state}&scope=email`,
      headers: { cookie: cookieHeader(start) },
    });
    expect(done.statusCode, done.body).toBe(302);
    expect(done.headers.location).toBe('/app/catalog');
    for (const c of done.cookies) if (c.value) expectSecret(`cookie ${c.name}`, c.value);

    // The request is still in the log, with what is safe to know about it.
    const incoming = captured.lines.map((l) => JSON.parse(l) as { msg?: string; req?: { url?: string } }).find((l) => l.req?.url?.startsWith('/api/auth/google/callback'));
    expect(incoming?.req?.url).toBe('/api/auth/google/callback?code=[redacted]&state=[redacted]&scope=email');
    expectNoLeaks();
  });

  it('sign-up and log-in: the password, the session and CSRF tokens', async () => {
    const email = `logs-${randomUUID()}@shop.example`;
    const password = expectSecret('password', `${secret('pw')} battery staple`);
    const signup = await app.inject({ method: 'POST', url: '/api/auth/signup', payload: { email, password, name: 'Lou', companyName: 'Lou Shop' } });
    expect(signup.statusCode).toBe(201);
    expectSecret('CSRF token', signup.json<{ csrfToken: string }>().csrfToken);
    for (const c of signup.cookies) if (c.value) expectSecret(`cookie ${c.name}`, c.value);

    const wrong = expectSecret('wrong password', secret('wrong-pw'));
    expect((await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: wrong } })).statusCode).toBe(401);
    // A body that is not JSON: the parser's error quotes it.
    const broken = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: `{"email":"${email}","password":"${password}"`,
    });
    expect(broken.statusCode).toBe(400);
    expectNoLeaks();
  });

  it('a Twilio webhook: its signature header (and the refusal it earns)', async () => {
    const signature = expectSecret('X-Twilio-Signature', randomBytes(20).toString('base64'));
    const res = await app.inject({
      method: 'POST',
      url: '/webhooks/twilio/whatsapp',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      payload: new URLSearchParams({
        MessageSid: `SM${randomBytes(16).toString('hex')}`,
        AccountSid: `AC${randomBytes(16).toString('hex')}`,
        From: 'whatsapp:+15550001111',
        To: 'whatsapp:+15550002222',
        Body: 'hello',
      }).toString(),
    });
    expect(res.statusCode).toBe(403);
    expect(output()).toContain('twilio webhook refused: signature');
    expectNoLeaks();
  });

  it('secrets nested four levels deep, in messages, errors and bindings', () => {
    const s = {
      authToken: expectSecret('authToken', secret('auth-token')),
      AuthToken: expectSecret('Twilio AuthToken', 'f'.repeat(8) + randomBytes(12).toString('hex')),
      password: expectSecret('nested password', secret('nested-pw')),
      secret: expectSecret('secret', secret('s')),
      apiKey: expectSecret('apiKey', secret('api-key')),
      token: expectSecret('token', secret('tok')),
      cookie: expectSecret('cookie', secret('cookie')),
      authorization: expectSecret('authorization header', `Bearer ${secret('bearer')}`),
      setCookie: expectSecret('set-cookie', `wara_session=${secret('session')}; HttpOnly`),
      stripe: expectSecret('Stripe secret key', `sk_live_${randomBytes(18).toString('hex')}`),
      stripeTest: expectSecret('Stripe test key', `sk_test_${randomBytes(18).toString('hex')}`),
      webhookSecret: expectSecret('Stripe webhook secret', `whsec_${randomBytes(18).toString('base64url').replace(/[-_]/g, 'x')}`),
      openai: expectSecret('OpenAI key', `sk-proj-${randomBytes(24).toString('base64url')}`),
      dbPassword: expectSecret('database password', secret('dbpw')),
      basic: expectSecret('basic credentials', Buffer.from(`AC123:${secret('basic')}`).toString('base64')),
    };
    const log = app.log.child({ tenant: 't_1', apiKeySecret: expectSecret('binding secret', secret('binding')) });
    log.info(
      {
        level1: {
          level2: {
            level3: {
              level4: {
                authToken: s.authToken,
                AuthToken: s.AuthToken,
                password: s.password,
                secret: s.secret,
                apiKey: s.apiKey,
                token: s.token,
                cookie: s.cookie,
                headers: { authorization: s.authorization, 'set-cookie': [s.setCookie] },
                keys: [{ stripe: s.stripe }],
                list: [[[[{ note: `key ${s.openai}` }]]]],
              },
            },
          },
        },
        accountSid: 'AC0123',
        tokens: 42,
      },
      'nested',
    );
    log.warn(`configured with ${s.stripe}, ${s.stripeTest}, ${s.webhookSecret} and ${s.openai}`);
    log.info({ dsn: `postgresql://wara:${s.dbPassword}@db:5432/wara` }, 'connecting');
    const err = Object.assign(new Error(`Twilio refused: Basic ${s.basic}`), {
      config: { headers: { Authorization: `Basic ${s.basic}` }, auth: { password: s.password } },
      body: JSON.stringify({ AuthToken: s.AuthToken }),
    });
    log.error({ err }, 'provider call failed');

    const nested = captured.lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'nested');
    // Only the secrets went: the rest of the object is there to read.
    expect(nested).toMatchObject({ accountSid: 'AC0123', tokens: 42, level1: { level2: { level3: { level4: { password: '[redacted]', keys: [{ stripe: '[redacted]' }] } } } } });
    expectNoLeaks();
  });

  it("the worker's Temporal SDK log (activity failures and their errors) is scrubbed the same way", async () => {
    const { loggerOptions } = await vi.importActual<typeof Logging>('../../lib/logging.js');
    const lines: string[] = [];
    const logger = temporalLogger(pino(loggerOptions('info'), { write: (line: string) => void lines.push(line) }), temporalLogLevel('info'));
    const key = `sk-${randomBytes(24).toString('hex')}`;
    const password = secret('smtp-pw');
    const bearer = secret('bearer');
    logger.warn('Activity failed', {
      activityType: 'sendAlert',
      error: new Error(`OpenAI refused ${key}; smtp login password=${password}; Authorization: Bearer ${bearer}`),
      attempt: 3,
    });
    logger.debug('not at this level', { key });
    const text = lines.join('');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ msg: 'Activity failed', source: 'temporal', activityType: 'sendAlert', attempt: 3, err: { type: 'Error' } });
    for (const value of [key, password, bearer]) expect(text).not.toContain(value);
  });

  it('the worker logger (plain pino with the same options) scrubs the same way', async () => {
    const { loggerOptions } = await vi.importActual<typeof Logging>('../../lib/logging.js');
    const lines: string[] = [];
    const logger = pino(loggerOptions('info'), { write: (line: string) => void lines.push(line) });
    const token = secret('worker-token');
    const key = `sk-${randomBytes(24).toString('hex')}`;
    logger.info({ activity: { input: { tenant: { twilio: { authToken: token } } } } }, `openai ${key}`);
    expect(lines.join('')).not.toContain(token);
    expect(lines.join('')).not.toContain(key);
    expect(lines.join('')).toContain('[redacted]');
  });
});
