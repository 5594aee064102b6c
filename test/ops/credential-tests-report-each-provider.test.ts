import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from '../../fakes/openai/server.js';
import { startFakeStripe, type FakeStripe } from '../../fakes/stripe/server.js';
import { startFakeTwilio, type FakeTwilio } from '../../fakes/twilio/server.js';
import { ConfigError, loadEnv } from '../../lib/config/env.js';
import { createSecretBox, createTenantCredentials, formatKey, parseKeyring } from '../../lib/crypto/index.js';
import { createTwilioClient } from '../../lib/twilio/client.js';
import { authHeaders, signUp, startTestApi, testEnv, type TestApi, type TestSession } from '../support/api.js';
import { logInOperator } from '../support/operators.js';
import { startSlackStandIn, startSmtpStandIn, type SlackStandIn, type SmtpStandIn } from '../support/ops-stand-ins.js';
import { runScript, type CliResult } from '../support/cli.js';

/*
 * Credential tests against stand-ins that answer like the providers (the official SDKs talk to them):
 * the operator endpoint and `npm run creds:test` say per provider whether the credential works, how long
 * the provider took and why not; typed-in credentials are tested without being stored, logged or echoed.
 */
const MASTER_SID = `AC${'0c0ffee0'.repeat(4)}`;
const MASTER_TOKEN = `master-token-${randomBytes(8).toString('hex')}`;
const STRIPE_KEY = `sk_test_${randomBytes(12).toString('hex')}`;
const SMTP = { user: 'alerts@wara.example', pass: `smtp-${randomBytes(8).toString('hex')}` };
const OPENAI_KEY = `sk-proj-${randomBytes(20).toString('hex')}`;

let twilio: FakeTwilio;
let openai: FakeOpenAI;
let stripe: FakeStripe;
let smtp: SmtpStandIn;
let slack: SlackStandIn;
let providerEnv: Record<string, string>;
let api: TestApi;
let operator: TestSession;

beforeAll(async () => {
  [twilio, openai, stripe, smtp, slack] = await Promise.all([
    startFakeTwilio({ masterAccountSid: MASTER_SID, masterAuthToken: MASTER_TOKEN }),
    startFakeOpenAI(),
    startFakeStripe({ secretKey: STRIPE_KEY, webhookSecret: `whsec_${randomBytes(8).toString('hex')}` }),
    startSmtpStandIn(SMTP),
    startSlackStandIn(),
  ]);
  providerEnv = {
    TWILIO_ACCOUNT_SID: MASTER_SID,
    TWILIO_AUTH_TOKEN: MASTER_TOKEN,
    TWILIO_API_BASE_URL: twilio.url,
    OPENAI_API_KEY: OPENAI_KEY,
    OPENAI_BASE_URL: openai.url,
    STRIPE_SECRET_KEY: STRIPE_KEY,
    STRIPE_API_BASE_URL: stripe.url,
    SMTP_URL: smtp.url(),
    SLACK_WEBHOOK_URL: slack.webhookUrl,
  };
  api = await startTestApi({ ...providerEnv, ALLOW_TEMPORARY_CREDENTIALS: 'true', SECRETS_ENCRYPTION_KEYS: formatKey('creds', randomBytes(32)) });
  operator = await logInOperator(api.app, api.prisma);
});
afterAll(async () => {
  await api?.close();
  await Promise.all([twilio?.close(), openai?.close(), stripe?.close(), smtp?.close(), slack?.close()]);
});

type Results = { results: Array<{ provider: string; target: string; status: string; latencyMs: number | null; reason: string | null }> };
const secrets = () => [MASTER_TOKEN, STRIPE_KEY, SMTP.pass, OPENAI_KEY, '/services/T0WARA/B0OPS/liveHookSecret0123'];

async function post(app: TestApi, session: TestSession, url: string, payload: unknown) {
  return app.app.inject({ method: 'POST', url, headers: { ...authHeaders(session), 'content-type': 'application/json' }, payload: JSON.stringify(payload) });
}

describe('configured credentials', () => {
  it('lists what is configured without any secret', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/api/ops/credentials', headers: authHeaders(operator) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      allowTemporary: true,
      providers: [
        { provider: 'twilio', configured: true, target: expect.stringContaining(MASTER_SID) },
        { provider: 'openai', configured: true },
        { provider: 'stripe', configured: true },
        { provider: 'smtp', configured: true, target: expect.stringMatching(/^smtp:\/\/127\.0\.0\.1:\d+$/) },
        { provider: 'slack', configured: true },
      ],
    });
    for (const s of secrets()) expect(res.body).not.toContain(s);
  });

  it('tests every provider: ok with the latency; each test on the audit trail, never the credential', async () => {
    const res = await post(api, operator, '/api/ops/credentials/test', {});
    expect(res.statusCode).toBe(200);
    const { results } = res.json<Results>();
    expect(results.map((r) => [r.provider, r.status])).toEqual([
      ['twilio', 'ok'],
      ['openai', 'ok'],
      ['stripe', 'ok'],
      ['smtp', 'ok'],
      ['slack', 'ok'],
    ]);
    for (const r of results) expect(r.latencyMs).toBeGreaterThanOrEqual(0);
    // The Slack check posts nothing to the channel; SMTP logs in and sends nothing.
    expect(slack.posts).toHaveLength(0);
    expect(smtp.messages).toHaveLength(0);
    expect(smtp.logins.at(-1)).toEqual({ user: SMTP.user, ok: true });
    const audit = await api.prisma.auditLog.findMany({ where: { actorUserId: operator.userId, action: 'ops.credentials_tested' } });
    expect(audit.map((a) => a.targetId).sort()).toEqual(['openai', 'slack', 'smtp', 'stripe', 'twilio']);
    expect(audit.every((a) => a.actorType === 'operator')).toBe(true);
    for (const s of secrets()) {
      expect(res.body).not.toContain(s);
      expect(JSON.stringify(audit)).not.toContain(s);
    }
  });

  it("says why a credential fails, in the provider's words; a missing one is not configured", async () => {
    const broken = await startTestApi({
      ...providerEnv,
      TWILIO_AUTH_TOKEN: 'not-the-master-token-0000',
      SMTP_URL: smtp.url(SMTP.user, 'wrong-password'),
      SLACK_WEBHOOK_URL: slack.deadWebhookUrl,
      STRIPE_SECRET_KEY: '',
    });
    try {
      const ops = await logInOperator(broken.app, broken.prisma);
      const { results } = (await post(broken, ops, '/api/ops/credentials/test', {})).json<Results>();
      const by = Object.fromEntries(results.map((r) => [r.provider, r]));
      expect(by.twilio).toMatchObject({ status: 'failed', reason: expect.stringMatching(/HTTP 401.*Authenticate|20003/) });
      expect(by.smtp).toMatchObject({ status: 'failed', reason: expect.stringContaining('535') });
      expect(by.slack).toMatchObject({ status: 'failed', reason: 'Slack answered 404: no_service' });
      expect(by.stripe).toMatchObject({ status: 'not_configured', latencyMs: null, reason: 'STRIPE_SECRET_KEY is not set' });
      expect(by.openai).toMatchObject({ status: 'ok' });
      const only = (await post(broken, ops, '/api/ops/credentials/test', { providers: ['openai'] })).json<Results>();
      expect(only.results.map((r) => r.provider)).toEqual(['openai']);
    } finally {
      await broken.close();
    }
  });
});

/** A shop with a Twilio subaccount (at the stand-in) and the API key WARA stored for it; `revoke` removes the key at Twilio. */
async function shopWithSubaccount() {
  const shop = await signUp(api.app, { companyName: `Sub Shop ${randomUUID().slice(0, 6)}` });
  const master = createTwilioClient({ accountSid: MASTER_SID, authToken: MASTER_TOKEN, baseUrl: twilio.url });
  const sub = await master.api.v2010.accounts.create({ friendlyName: `wara:${shop.tenantId}` });
  const key = await master.api.v2010.accounts(sub.sid).newKeys.create({ friendlyName: 'wara' });
  const account = await api.prisma.integrationAccount.create({ data: { tenantId: shop.tenantId, status: 'connected', subaccountSid: sub.sid } });
  const credentials = createTenantCredentials(api.prisma, createSecretBox(parseKeyring(api.deps.env.SECRETS_ENCRYPTION_KEYS!)));
  await credentials.storeApiKey({ tenantId: shop.tenantId, accountId: account.id }, { sid: key.sid, secret: key.secret! });
  return { shop, sub, key, revoke: () => master.api.v2010.accounts(sub.sid).keys(key.sid).remove() };
}

describe("a shop's Twilio subaccount", () => {
  it('is tested with the API key WARA stored for it, and fails once that key is revoked', async () => {
    const { shop, sub, key, revoke } = await shopWithSubaccount();

    const ok = (await post(api, operator, '/api/ops/credentials/test-tenant', { tenantId: shop.tenantId })).json<Results>();
    expect(ok.results).toEqual([expect.objectContaining({ provider: 'twilio', status: 'ok', target: expect.stringContaining(sub.sid) })]);
    expect(JSON.stringify(ok)).not.toContain(key.secret!);

    await revoke();
    const revoked = (await post(api, operator, '/api/ops/credentials/test-tenant', { tenantId: shop.tenantId })).json<Results>();
    expect(revoked.results[0]).toMatchObject({ status: 'failed', reason: expect.stringMatching(/401|20003/) });
    // The shop sees that its connection was checked by WARA staff.
    expect(await api.prisma.auditLog.count({ where: { tenantId: shop.tenantId, action: 'ops.credentials_tested' } })).toBe(2);

    const unconnected = await signUp(api.app);
    const none = (await post(api, operator, '/api/ops/credentials/test-tenant', { tenantId: unconnected.tenantId })).json<Results>();
    expect(none.results[0]).toMatchObject({ status: 'not_configured' });
    expect((await post(api, operator, '/api/ops/credentials/test-tenant', { tenantId: 'no-such-tenant' })).statusCode).toBe(404);
  });
});

describe('temporary credentials (dev/staging)', () => {
  it("tests typed-in credentials and shows the provider's reason, never the credential", async () => {
    const wrongToken = `typed-${randomBytes(12).toString('hex')}`;
    const res = await post(api, operator, '/api/ops/credentials/test-temporary', { provider: 'twilio', accountSid: MASTER_SID, authToken: wrongToken });
    expect(res.statusCode).toBe(200);
    const { results } = res.json<Results>();
    expect(results[0]).toMatchObject({ provider: 'twilio', status: 'failed', target: expect.stringContaining('temporary'), reason: expect.stringMatching(/Authenticate|20003/) });
    expect(res.body).not.toContain(wrongToken);

    const right = (await post(api, operator, '/api/ops/credentials/test-temporary', { provider: 'twilio', accountSid: MASTER_SID, authToken: MASTER_TOKEN })).json<Results>();
    expect(right.results[0]).toMatchObject({ status: 'ok' });

    // Stripe quotes a key's last characters back ("sk_test_****abcd"): that echo is removed too.
    const wrongKey = `sk_test_${randomBytes(12).toString('hex')}`;
    const stripeRes = await post(api, operator, '/api/ops/credentials/test-temporary', { provider: 'stripe', secretKey: wrongKey });
    const stripeResult = stripeRes.json<Results>().results[0]!;
    expect(stripeResult).toMatchObject({ status: 'failed', reason: expect.stringContaining('Invalid API Key provided: [redacted]') });
    expect(stripeRes.body).not.toContain(wrongKey.slice(-4));

    const wrongSmtp = `typed-smtp-${randomBytes(6).toString('hex')}`;
    const smtpRes = await post(api, operator, '/api/ops/credentials/test-temporary', { provider: 'smtp', url: smtp.url(SMTP.user, wrongSmtp) });
    expect(smtpRes.json<Results>().results[0]).toMatchObject({ status: 'failed', reason: expect.stringContaining('535') });
    expect(smtpRes.body).not.toContain(wrongSmtp);

    const slackRes = await post(api, operator, '/api/ops/credentials/test-temporary', { provider: 'slack', webhookUrl: slack.deadWebhookUrl });
    expect(slackRes.json<Results>().results[0]).toMatchObject({ status: 'failed' });
    expect(slackRes.body).not.toContain('revokedHook999');

    // Nothing typed in was stored: not in the trail, nowhere in the database's text columns we write.
    const audit = await api.prisma.auditLog.findMany({ where: { actorUserId: operator.userId, action: 'ops.credentials_tested', details: { path: ['temporary'], equals: true } } });
    expect(audit.length).toBe(5);
    const stored = JSON.stringify(audit);
    for (const typed of [wrongToken, wrongKey, wrongSmtp, 'revokedHook999']) expect(stored).not.toContain(typed);
  });

  it('refuses typed-in credentials where they are switched off, and validates them', async () => {
    const bad = await post(api, operator, '/api/ops/credentials/test-temporary', { provider: 'twilio', accountSid: 'nope', authToken: 'x' });
    expect(bad.statusCode).toBe(400);
    const off = await startTestApi({ ALLOW_TEMPORARY_CREDENTIALS: 'false' });
    try {
      const ops = await logInOperator(off.app, off.prisma);
      const res = await post(off, ops, '/api/ops/credentials/test-temporary', { provider: 'openai', apiKey: 'sk-whatever-0123456789abcdef' });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ error: 'temporary_credentials_off' });
      expect((await off.app.inject({ method: 'GET', url: '/api/ops/credentials', headers: authHeaders(ops) })).json()).toMatchObject({ allowTemporary: false });
    } finally {
      await off.close();
    }
    // Off by default outside development, and production refuses to start with it on.
    expect(testEnv().ALLOW_TEMPORARY_CREDENTIALS).toBeUndefined();
    expect(() =>
      loadEnv({ NODE_ENV: 'production', DATABASE_URL: 'postgresql://x@h/db', APP_SECRET: 'x'.repeat(32), SECRETS_ENCRYPTION_KEYS: formatKey('k', randomBytes(32)), ALLOW_TEMPORARY_CREDENTIALS: 'true' }),
    ).toThrow(ConfigError);
  });

  it('is for operators only', async () => {
    const merchant = await signUp(api.app);
    const res = await post(api, merchant, '/api/ops/credentials/test-temporary', { provider: 'openai', apiKey: 'sk-whatever-0123456789abcdef' });
    expect(res.statusCode).toBe(403);
  });
});

describe('npm run creds:test', () => {
  function credsTest(env: Record<string, string>, ...args: string[]): Promise<CliResult> {
    return runScript('scripts/creds-test.ts', args, { DATABASE_URL: api.deps.env.DATABASE_URL, ...env });
  }

  it('prints one line per provider and exits 0 when everything configured works', async () => {
    const out = await credsTest(providerEnv);
    expect(out.code, out.stderr).toBe(0);
    const lines = out.stdout.trim().split('\n');
    expect(lines).toHaveLength(5);
    for (const [i, provider] of ['twilio', 'openai', 'stripe', 'smtp', 'slack'].entries()) expect(lines[i]).toMatch(new RegExp(`^${provider}\\s+ok\\s+\\d+ ms`));
    for (const s of secrets()) expect(out.stdout + out.stderr).not.toContain(s);
    expect(await api.prisma.auditLog.count({ where: { action: 'ops.credentials_tested', actorType: 'system', details: { path: ['via'], equals: 'cli' } } })).toBeGreaterThanOrEqual(5);
  });

  it('exits 1 with the reason when a credential fails; "not configured" is not a failure; 2 on a wrong argument', async () => {
    const out = await credsTest({ ...providerEnv, TWILIO_AUTH_TOKEN: 'not-the-master-token-0000' }, 'twilio', 'openai');
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/^twilio\s+failed\s+\d+ ms .*(Authenticate|20003)/m);
    expect(out.stdout).toMatch(/^openai\s+ok/m);
    const missing = await credsTest({}, 'stripe', 'slack');
    expect(missing.code).toBe(0);
    expect(missing.stdout).toMatch(/^stripe\s+not configured\s+STRIPE_SECRET_KEY is not set$/m);
    expect((await credsTest({}, 'twillio')).code).toBe(2);
  });

  it("-- twilio --tenant ID tests that shop's subaccount: one line, exit 1 with the reason once its key is revoked", async () => {
    const { shop, sub, key, revoke } = await shopWithSubaccount();
    const keys = { ...providerEnv, SECRETS_ENCRYPTION_KEYS: api.deps.env.SECRETS_ENCRYPTION_KEYS! };
    const ok = await credsTest(keys, 'twilio', '--tenant', shop.tenantId);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^twilio\\s+ok\\s+\\d+ ms\\s+subaccount ${sub.sid} of Sub Shop`))]);
    expect(ok.stdout + ok.stderr).not.toContain(key.secret!);

    await revoke();
    const revoked = await credsTest(keys, 'twilio', `--tenant=${shop.tenantId}`);
    expect(revoked.code).toBe(1);
    expect(revoked.stdout.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^twilio\\s+failed\\s+\\d+ ms\\s+subaccount ${sub.sid} .*(401|20003)`))]);
    // Under the shop's own trail, as the command-line tests are.
    const audit = await api.prisma.auditLog.findMany({ where: { tenantId: shop.tenantId, action: 'ops.credentials_tested', details: { path: ['via'], equals: 'cli' } }, orderBy: { createdAt: 'asc' } });
    expect(audit.map((a) => [a.actorType, a.targetId, (a.details as { status: string }).status])).toEqual([
      ['system', 'twilio', 'ok'],
      ['system', 'twilio', 'failed'],
    ]);

    // A shop that never connected has nothing that could send: a failure with the reason, not a pass.
    const unconnected = await signUp(api.app);
    const none = await credsTest(keys, '--tenant', unconnected.tenantId);
    expect(none.code).toBe(1);
    expect(none.stdout).toMatch(/^twilio\s+not configured\s+this shop has no Twilio subaccount/m);

    const unknown = await credsTest(keys, 'twilio', '--tenant', 'no-such-tenant');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim()).toBe('no tenant with id no-such-tenant');
    expect((await credsTest(keys, 'openai', '--tenant', shop.tenantId)).code).toBe(2);
    expect((await credsTest(keys, 'twilio', '--tenant')).code).toBe(2);
  });
});
