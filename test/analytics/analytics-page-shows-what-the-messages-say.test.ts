// The Analytics page in a real browser on the real stack: a merchant with two weeks of seeded conversations
// (in New York time), rollups refreshed, and every number on screen checked against a direct SQL count over
// the messages and conversations themselves for the same range, with the deltas against the week before.
// Also: the empty state, the mobile layout, the CSV download, and the operators' page with its top tenants.
import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshAnalytics } from '../../lib/analytics/refresh.js';
import { sqlPool } from '../../lib/db/sql.js';
import { authHeaders, signUp, type TestSession } from '../support/api.js';
import { launchBrowser, screenshot } from '../support/browser.js';
import { logInOperator } from '../support/operators.js';
import { startWebStack, type WebStack } from '../support/web-stack.js';

const ZONE = 'America/New_York';
const HOUR = 60 * 60_000;

let stack: WebStack;
let merchant: TestSession;
let quietMerchant: TestSession;
let operator: TestSession;
let browser: Browser;

interface Report {
  range: { from: string; to: string; previousFrom: string; previousTo: string; bucket: string };
  timeZone: string;
  counts: Array<{ metric: string; total: number; previous: number }>;
  firstResponse: { p50: number | null; p90: number | null };
}

/**
 * Two weeks of a shop's WhatsApp traffic, written the way the app writes it (rows in messages and
 * conversations; the triggers record the analytics events): customers, AI replies (some the fallback, some
 * corrected by the answer check), a manual reply, sends accepted by Twilio, failures with error codes,
 * opt-outs and takeovers. Deterministic.
 */
async function seed(tenantId: string): Promise<void> {
  const pool = sqlPool(stack.api.prisma);
  const now = Date.now();
  let n = 0;
  for (let hoursAgo = 1; hoursAgo < 14 * 24; hoursAgo += 5) {
    n++;
    const at = now - hoursAgo * HOUR - (n % 7) * 60_000;
    const conversationId = randomUUID();
    await pool.query(
      `INSERT INTO conversations (id, tenant_id, channel, customer_address, created_at, updated_at, opted_out, opted_out_at, ai_paused, ai_paused_at)
       VALUES ($1, $2, 'whatsapp', $3, $4, $4, $5, $6, $7, $8)`,
      [conversationId, tenantId, `whatsapp:+1555${String(n).padStart(7, '0')}`, iso(at), n % 9 === 0, n % 9 === 0 ? iso(at + 20 * 60_000) : null, n % 11 === 0, n % 11 === 0 ? iso(at + 30 * 60_000) : null],
    );
    const turns = 1 + (n % 3);
    for (let t = 0; t < turns; t++) {
      const inboundAt = at + t * 7 * 60_000;
      const sid = `SM${randomUUID().replaceAll('-', '')}`;
      await pool.query(
        `INSERT INTO messages (id, tenant_id, conversation_id, direction, provider_message_sid, turn_key_sid, body, status, source, created_at, updated_at)
         VALUES ($1, $2, $3, 'inbound', $4, $4, 'Do you have the red bag?', 'received', 'customer', $5, $5)`,
        [randomUUID(), tenantId, conversationId, sid, iso(inboundAt)],
      );
      if ((n + t) % 10 === 0) continue; // no answer (taken over, opted out…)
      const replyAt = inboundAt + (2 + ((n * 7 + t * 3) % 40)) * 1000;
      const replyId = randomUUID();
      const fallback = (n + t) % 8 === 0;
      const rejected = (n + t) % 5 === 0 ? ['The price 45 EUR is not in the catalog.'] : null;
      await pool.query(
        `INSERT INTO messages (id, tenant_id, conversation_id, direction, reply_to_message_sid, body, status, source, fallback, prompt, created_at, updated_at)
         VALUES ($1, $2, $3, 'outbound', $4, 'Yes, 40 EUR.', 'queued', 'ai', $5, $6, $7, $7)`,
        [replyId, tenantId, conversationId, sid, fallback, JSON.stringify({ rejected }), iso(replyAt)],
      );
      // Billing counts the reply (as INSERT_INTENT does): the counter's change is what "replies used" shows.
      await pool.query(
        `INSERT INTO usage_counters (id, tenant_id, period_start, replies, created_at, updated_at) VALUES ($1, $2, date_trunc('month', $3::timestamp), 1, $3, $3)
         ON CONFLICT (tenant_id, period_start) DO UPDATE SET replies = usage_counters.replies + 1, updated_at = excluded.updated_at`,
        [randomUUID(), tenantId, iso(replyAt)],
      );
      const sentAt = replyAt + 400 + ((n * 13) % 9) * 1000;
      await pool.query(`UPDATE messages SET provider_message_sid = $2, status = 'sent', updated_at = $3 WHERE id = $1`, [replyId, `SM${randomUUID().replaceAll('-', '')}`, iso(sentAt)]);
      const outcome = (n + t) % 13 === 0 ? 'undelivered' : (n + t) % 17 === 0 ? 'failed' : 'delivered';
      await pool.query(`UPDATE messages SET status = $2::message_status, error_code = $3, updated_at = $4 WHERE id = $1`, [
        replyId, outcome, outcome === 'undelivered' ? '30008' : outcome === 'failed' ? '63016' : null, iso(sentAt + 2_000),
      ]);
    }
    if (n % 6 === 0) {
      await pool.query(
        `INSERT INTO messages (id, tenant_id, conversation_id, direction, provider_message_sid, body, status, source, created_at, updated_at)
         VALUES ($1, $2, $3, 'outbound', $4, 'Hello, Ada here.', 'delivered', 'human', $5, $5)`,
        [randomUUID(), tenantId, conversationId, `SM${randomUUID().replaceAll('-', '')}`, iso(at + 40 * 60_000)],
      );
    }
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The same metrics counted straight from messages and conversations, for [from, to). */
async function countFromBusinessRows(tenantId: string, from: string, to: string): Promise<Record<string, number>> {
  const { rows } = await sqlPool(stack.api.prisma).query<Record<string, number>>(
    `SELECT
       (SELECT count(*) FROM messages WHERE tenant_id = $1 AND direction = 'inbound' AND created_at >= $2 AND created_at < $3)::int AS messages_in,
       (SELECT count(*) FROM messages WHERE tenant_id = $1 AND direction = 'outbound' AND (provider_message_sid IS NOT NULL OR status IN ('failed', 'undelivered')) AND created_at >= $2 AND created_at < $3)::int AS messages_out,
       (SELECT count(*) FROM messages WHERE tenant_id = $1 AND direction = 'outbound' AND source = 'ai' AND provider_message_sid IS NOT NULL AND created_at >= $2 AND created_at < $3)::int AS ai_replies,
       (SELECT count(*) FROM messages WHERE tenant_id = $1 AND direction = 'outbound' AND source = 'ai' AND fallback AND provider_message_sid IS NOT NULL AND created_at >= $2 AND created_at < $3)::int AS ai_fallbacks,
       (SELECT count(*) FROM messages WHERE tenant_id = $1 AND source = 'ai' AND provider_message_sid IS NOT NULL AND CASE WHEN jsonb_typeof(prompt -> 'rejected') = 'array' THEN jsonb_array_length(prompt -> 'rejected') > 0 ELSE false END AND created_at >= $2 AND created_at < $3)::int AS answer_check_replacements,
       (SELECT count(*) FROM messages WHERE tenant_id = $1 AND direction = 'outbound' AND status IN ('failed', 'undelivered') AND created_at >= $2 AND created_at < $3)::int AS delivery_failures,
       (SELECT count(*) FROM conversations WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3)::int AS conversations_started,
       (SELECT count(*) FROM conversations WHERE tenant_id = $1 AND opted_out AND opted_out_at >= $2 AND opted_out_at < $3)::int AS opt_outs,
       (SELECT count(*) FROM conversations WHERE tenant_id = $1 AND ai_paused AND ai_paused_at >= $2 AND ai_paused_at < $3)::int AS takeovers,
       (SELECT count(*) FROM messages WHERE tenant_id = $1 AND direction = 'outbound' AND source = 'ai' AND created_at >= $2 AND created_at < $3)::int AS replies_used`,
    [tenantId, from.replace('T', ' ').replace('Z', ''), to.replace('T', ' ').replace('Z', '')],
  );
  return rows[0]!;
}

/** The exact first-response times of the range (from the rows), to check the percentiles' bins. */
async function responseTimes(tenantId: string, from: string, to: string): Promise<number[]> {
  const { rows } = await sqlPool(stack.api.prisma).query<{ ms: number }>(
    `SELECT extract(epoch FROM r.updated_at - i.created_at) * 1000 AS ms FROM messages r JOIN messages i ON i.provider_message_sid = r.reply_to_message_sid
     WHERE r.tenant_id = $1 AND r.source = 'ai' AND r.provider_message_sid IS NOT NULL AND r.created_at >= $2 AND r.created_at < $3`,
    [tenantId, from.replace('T', ' ').replace('Z', ''), to.replace('T', ' ').replace('Z', '')],
  );
  // updated_at moved on with the delivery callback (2 s later): the send was 2 s before it.
  return rows.map((r) => Number(r.ms) - 2_000).sort((a, b) => a - b);
}

async function openLoggedIn(session: TestSession, path: string, viewport = { width: 1280, height: 900 }): Promise<Page> {
  const context = await browser.newContext({ viewport, locale: 'en-US' });
  const page = await context.newPage();
  page.on('pageerror', (err) => console.log(`page error: ${err.message}`));
  page.on('console', (msg) => { if (msg.type() === 'error') console.log(`console: ${msg.text()}`); });
  await page.goto(`${stack.webUrl}${path}`);
  await page.waitForURL((url) => url.pathname === '/login');
  await page.getByLabel('Email').fill(session.email);
  await page.getByLabel('Password').fill(session.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(`${stack.webUrl}${path}`);
  return page;
}

async function report(session: TestSession, query: string, path = '/api/analytics'): Promise<Report> {
  const res = await fetch(`${stack.apiUrl}${path}?${query}`, { headers: { cookie: session.cookie } });
  expect(res.status).toBe(200);
  return (await res.json()) as Report;
}

const shownNumber = async (page: Page, metric: string) => Number((await page.getByTestId(`metric-${metric}-value`).innerText()).replace(/[^\d]/g, ''));

/** What the page must say for a change, by the rules in the issue: arrows, whole percents, colour by good/bad. */
function expectedDelta(current: number, previous: number): string {
  if (current === previous) return 'no change';
  if (previous === 0) return '▲ new';
  return `${current > previous ? '▲' : '▼'} ${Math.round((Math.abs(current - previous) / previous) * 100)} %`;
}

beforeAll(async () => {
  stack = await startWebStack('analytics');
  merchant = await signUp(stack.api.app, { companyName: 'Ada Bags' });
  quietMerchant = await signUp(stack.api.app, { companyName: 'Quiet Shop' });
  operator = await logInOperator(stack.api.app, stack.api.prisma);
  const zone = await stack.api.app.inject({ method: 'PUT', url: '/api/analytics/time-zone', headers: authHeaders(merchant), payload: { timeZone: ZONE } });
  expect(zone.statusCode).toBe(200);
  await seed(merchant.tenantId);
  await refreshAnalytics(sqlPool(stack.api.prisma));
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe('the Analytics page', () => {
  it('shows, for the last 7 days in the shop’s zone, exactly what the messages say, with the deltas', async () => {
    const page = await openLoggedIn(merchant, '/app/analytics');
    await expect.poll(() => page.getByTestId('metric-messages_in-value').innerText()).not.toBe('0');
    const shown = await report(merchant, 'range=7d');
    expect(shown.timeZone).toBe(ZONE);
    expect(shown.range.bucket).toBe('day');
    // The range is 7 local days in New York: from a local midnight to the next one after today.
    const startHour = new Intl.DateTimeFormat('en-US', { timeZone: ZONE, hour: '2-digit', hourCycle: 'h23' }).format(new Date(shown.range.from));
    expect(startHour).toBe('00');

    const current = await countFromBusinessRows(merchant.tenantId, shown.range.from, shown.range.to);
    const previous = await countFromBusinessRows(merchant.tenantId, shown.range.previousFrom, shown.range.previousTo);
    expect(current.messages_in).toBeGreaterThan(20);
    expect(previous.messages_in).toBeGreaterThan(20);
    for (const metric of Object.keys(current).filter((m) => m !== 'ai_fallbacks')) {
      expect.soft(await shownNumber(page, metric), metric).toBe(current[metric]);
      expect.soft(await page.getByTestId(`metric-${metric}-delta`).innerText(), `${metric} delta`).toBe(expectedDelta(current[metric]!, previous[metric]!));
    }
    // Fallbacks are shown as a share of AI replies.
    const rate = current.ai_fallbacks! / current.ai_replies!;
    expect(await page.getByTestId('metric-fallback_rate-value').innerText()).toBe(`${(rate * 100).toFixed(rate < 0.1 ? 1 : 0)} %`);
    // Colour by meaning: more delivery failures is bad (red), fewer is good (green).
    const failures = await page.getByTestId('metric-delivery_failures-delta').getAttribute('class');
    if (current.delivery_failures! > previous.delivery_failures!) expect(failures).toContain('bad');
    if (current.delivery_failures! < previous.delivery_failures!) expect(failures).toContain('good');

    // Percentiles come from the histogram: the median shown lies in the same bin as the exact median.
    const times = await responseTimes(merchant.tenantId, shown.range.from, shown.range.to);
    const exactMedian = times[Math.ceil(times.length * 0.5) - 1]!;
    const bins = [1_000, 2_000, 3_000, 4_000, 5_000, 6_000, 8_000, 10_000, 15_000, 20_000, 30_000, 45_000, 60_000];
    const binOf = (ms: number) => bins.findIndex((upper) => ms < upper);
    expect(binOf(shown.firstResponse.p50!)).toBe(binOf(exactMedian));
    expect(await page.getByTestId('metric-first_response_p50-value').innerText()).toMatch(/^\d+(\.\d)? s$/);

    // Failures by Twilio error code, per code.
    await expect.poll(() => page.getByTestId('failures-by-code-30008').isVisible()).toBe(true);
    // Charts are drawn (canvas with a legend), one per section.
    for (const chart of ['chart-messages', 'chart-first-response', 'chart-quality', 'chart-conversations', 'chart-failures', 'chart-usage']) {
      expect(await page.getByTestId(chart).locator('canvas').count()).toBe(1);
    }
    await page.getByTestId('chart-messages').locator('canvas').hover({ position: { x: 300, y: 120 } });
    await screenshot(page, 'analytics-7d-desktop');

    // The CSV is the rollups shown: its messages_in rows add up to the total on screen.
    const csvUrl = (await page.getByTestId('analytics-export').getAttribute('href')) ?? '';
    const csv = await page.evaluate(async (url) => (await fetch(url)).text(), csvUrl);
    const inRows = csv.split('\r\n').filter((line) => line.includes(',messages_in,'));
    expect(inRows.reduce((sum, line) => sum + Number(line.split(',')[3]), 0)).toBe(current.messages_in);
    await page.context().close();
  });

  it('follows the range picker: 24 hours by hour, 30 days, a custom range, hourly buckets', async () => {
    const page = await openLoggedIn(merchant, '/app/analytics');
    await page.getByTestId('range-24h').click();
    await expect.poll(() => page.getByTestId('analytics-range').innerText()).toMatch(/\d{2}:\d{2} – /);
    const day = await report(merchant, 'range=24h');
    const counted = await countFromBusinessRows(merchant.tenantId, day.range.from, day.range.to);
    await expect.poll(() => shownNumber(page, 'messages_in')).toBe(counted.messages_in);
    await screenshot(page, 'analytics-24h-desktop');

    await page.getByTestId('range-30d').click();
    const month = await report(merchant, 'range=30d');
    const all = await countFromBusinessRows(merchant.tenantId, month.range.from, month.range.to);
    await expect.poll(() => shownNumber(page, 'messages_in')).toBe(all.messages_in);
    expect(await page.getByTestId('metric-messages_in-delta').innerText()).toBe('▲ new');

    await page.getByTestId('range-custom').click();
    await page.getByTestId('range-from').fill(month.range.from.slice(0, 10));
    await page.getByTestId('range-to').fill(new Date(Date.parse(month.range.to) - HOUR).toISOString().slice(0, 10));
    await page.getByRole('button', { name: 'Show' }).click();
    await page.getByTestId('bucket-hour').click();
    await expect.poll(() => page.getByTestId('bucket-hour').getAttribute('aria-pressed')).toBe('true');
    await screenshot(page, 'analytics-custom-hourly');
    await page.context().close();
  });

  it('works on a phone', async () => {
    const page = await openLoggedIn(merchant, '/app/analytics', { width: 390, height: 844 });
    await expect.poll(() => page.getByTestId('metric-messages_in-value').innerText()).not.toBe('0');
    expect(await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth')).toBeLessThanOrEqual(0);
    await screenshot(page, 'analytics-7d-phone');
    await page.screenshot({ path: (await screenshot(page, 'analytics-7d-phone')).replace('.png', '-top.png') });
    await page.context().close();
  });

  it('has an empty state for a shop with no traffic yet', async () => {
    const page = await openLoggedIn(quietMerchant, '/app/analytics');
    await expect.poll(() => page.getByTestId('analytics-empty').isVisible()).toBe(true);
    expect(await page.getByTestId('metric-messages_in-value').innerText()).toBe('0');
    expect(await page.getByTestId('chart-messages').innerText()).toContain('No data in this range yet');
    await screenshot(page, 'analytics-empty');
    await page.context().close();
  });

  it('shows operators every tenant together with the top tenants, and starts a rebuild', async () => {
    const page = await openLoggedIn(operator, '/ops/analytics');
    await expect.poll(() => page.getByTestId('top-tenants').innerText()).toContain('Ada Bags');
    const platform = await report(operator, 'range=7d&tz=UTC', '/api/ops/analytics');
    expect(await shownNumber(page, 'messages_in')).toBe(platform.counts.find((c) => c.metric === 'messages_in')!.total);
    await page.getByTestId('rebuild-tenant').fill(merchant.tenantId);
    await page.getByRole('button', { name: 'Rebuild' }).click();
    await expect.poll(() => page.getByTestId('rebuild-started').innerText()).toContain(`analytics-rebuild:${merchant.tenantId}`);
    await screenshot(page, 'analytics-operators');
    await page.context().close();
    // Merchants cannot reach it.
    const refused = await stack.api.app.inject({ method: 'GET', url: '/api/ops/analytics', headers: { cookie: merchant.cookie } });
    expect(refused.statusCode).toBe(403);
  });
});
