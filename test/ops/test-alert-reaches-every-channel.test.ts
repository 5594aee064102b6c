import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authHeaders, startTestApi, type TestApi, type TestSession } from '../support/api.js';
import { logInOperator } from '../support/operators.js';
import { startSlackStandIn, startSmtpStandIn, type SlackStandIn, type SmtpStandIn } from '../support/ops-stand-ins.js';
import { runScript, type CliResult } from '../support/cli.js';

/*
 * "Does paging work?": a test alert from the ops page or `npm run alert:test` goes through every configured
 * channel (Slack webhook, email), says how each did, and is recorded in the alerts table like any other.
 */
const SMTP = { user: 'alerts@wara.example', pass: 'smtp-alert-pass-123' };
let smtp: SmtpStandIn;
let slack: SlackStandIn;
let channelEnv: Record<string, string>;
let api: TestApi;
let operator: TestSession;

beforeAll(async () => {
  [smtp, slack] = await Promise.all([startSmtpStandIn(SMTP), startSlackStandIn()]);
  channelEnv = { SLACK_WEBHOOK_URL: slack.webhookUrl, SMTP_URL: smtp.url(), ALERT_EMAIL_TO: 'oncall@wara.example' };
  api = await startTestApi(channelEnv);
  operator = await logInOperator(api.app, api.prisma);
});
afterAll(async () => {
  await api?.close();
  await Promise.all([smtp?.close(), slack?.close()]);
});

type TestAlert = { alert: { id: string; title: string; channels: string[]; deliveredAt: string | null; error: string | null }; channels: Array<{ channel: string; status: string; latencyMs: number; reason: string | null }> };

describe('test alert from the ops page', () => {
  it('goes through Slack and email, is recorded as delivered and on the audit trail', async () => {
    const res = await api.app.inject({ method: 'POST', url: '/api/ops/alerts/test', headers: { ...authHeaders(operator), 'content-type': 'application/json' }, payload: '{}' });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<TestAlert>();
    expect(body.channels.map((c) => [c.channel, c.status])).toEqual([
      ['slack', 'sent'],
      ['email', 'sent'],
    ]);
    expect(body.alert).toMatchObject({ title: 'WARA test alert (nothing is wrong)', channels: ['slack', 'email'], deliveredAt: expect.any(String), error: null });
    expect(slack.posts).toHaveLength(1);
    expect(slack.posts[0]!.body).toContain('WARA test alert');
    expect(smtp.messages).toHaveLength(1);
    expect(smtp.messages[0]!.to).toEqual(['<oncall@wara.example>']);
    expect(smtp.messages[0]!.data).toContain('[WARA info] WARA test alert');
    expect(smtp.messages[0]!.data).toContain('A test alert sent by operator');

    const row = await api.prisma.alert.findUniqueOrThrow({ where: { id: body.alert.id } });
    expect(row.dedupeKey).toMatch(/^test-alert:/);
    const audit = await api.prisma.auditLog.findFirstOrThrow({ where: { action: 'ops.alert_tested', actorUserId: operator.userId } });
    expect(audit).toMatchObject({ actorType: 'operator', targetId: row.dedupeKey });

    const list = await api.app.inject({ method: 'GET', url: '/api/ops/alerts', headers: authHeaders(operator) });
    expect(list.json()).toMatchObject({ channels: ['slack', 'email'], alerts: expect.arrayContaining([expect.objectContaining({ id: body.alert.id })]) });
  });

  it("reports a failing channel with the provider's answer, records the failure, still sends the others", async () => {
    const broken = await startTestApi({ ...channelEnv, SLACK_WEBHOOK_URL: slack.deadWebhookUrl });
    try {
      const ops = await logInOperator(broken.app, broken.prisma);
      const sentBefore = smtp.messages.length;
      const res = await broken.app.inject({ method: 'POST', url: '/api/ops/alerts/test', headers: { ...authHeaders(ops), 'content-type': 'application/json' }, payload: '{}' });
      const body = res.json<TestAlert>();
      expect(body.channels).toEqual([
        expect.objectContaining({ channel: 'slack', status: 'failed', reason: 'Slack webhook answered 404' }),
        expect.objectContaining({ channel: 'email', status: 'sent', reason: null }),
      ]);
      expect(body.alert).toMatchObject({ deliveredAt: null, error: 'slack: Slack webhook answered 404' });
      expect(smtp.messages.length).toBe(sentBefore + 1);
      expect(res.body).not.toContain('revokedHook999');
    } finally {
      await broken.close();
    }
  });

  it('with no channel configured, records and logs the alert only', async () => {
    const bare = await startTestApi({});
    try {
      const ops = await logInOperator(bare.app, bare.prisma);
      const body = (await bare.app.inject({ method: 'POST', url: '/api/ops/alerts/test', headers: { ...authHeaders(ops), 'content-type': 'application/json' }, payload: '{}' })).json<TestAlert>();
      expect(body.channels).toEqual([]);
      expect(body.alert).toMatchObject({ channels: ['log'], deliveredAt: expect.any(String) });
    } finally {
      await bare.close();
    }
  });
});

describe('npm run alert:test', () => {
  function alertTest(env: Record<string, string>): Promise<CliResult> {
    return runScript('scripts/alert-test.ts', [], { DATABASE_URL: api.deps.env.DATABASE_URL, USER: 'ops-lead', ...env });
  }

  it('sends through each channel, one line each, exit 0; a failing channel exits 1', async () => {
    const posts = slack.posts.length;
    const ok = await alertTest(channelEnv);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^slack\s+sent\s+\d+ ms/m);
    expect(ok.stdout).toMatch(/^email\s+sent\s+\d+ ms/m);
    expect(slack.posts.length).toBe(posts + 1);
    expect(slack.posts.at(-1)!.body).toContain('ops-lead (npm run alert:test)');
    const key = /recorded as alert (test-alert:\S+)/.exec(ok.stdout)![1]!;
    expect(await api.prisma.alert.findUniqueOrThrow({ where: { dedupeKey: key } })).toMatchObject({ channels: ['slack', 'email'], deliveredAt: expect.any(Date) });
    expect(await api.prisma.auditLog.count({ where: { action: 'ops.alert_tested', targetId: key, actorType: 'system' } })).toBe(1);

    const failing = await alertTest({ ...channelEnv, SLACK_WEBHOOK_URL: slack.deadWebhookUrl });
    expect(failing.code).toBe(1);
    expect(failing.stdout).toMatch(/^slack\s+failed\s+\d+ ms\s+— Slack webhook answered 404/m);
  });
});
