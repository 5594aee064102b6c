import { randomBytes } from 'node:crypto';
import { createServer, connect, type Server } from 'node:net';
import type { APIRequestContext, Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FakeTwilioControl } from '../../fakes/twilio/control-client.js';
import { startFakeOpenAI, type FakeOpenAI } from '../../fakes/openai/server.js';
import { startFakeTwilio, type FakeTwilio } from '../../fakes/twilio/server.js';
import { formatKey } from '../../lib/crypto/index.js';
import { freePort } from '../../scripts/devstack/ports.js';
import { eventually, MASTER_SID, MASTER_TOKEN, subaccountOf, uniquePhone } from '../onboarding/harness.js';
import { launchBrowser, screenshot, signUpConfirmed } from '../support/browser.js';
import { startWebStack, type WebStack } from '../support/web-stack.js';

/*
 * The conversations pages in Chromium on the whole system: the real API, a worker running every workflow,
 * the Temporal dev server, Postgres, the web dev server, and both provider stand-ins. The merchant connects
 * WhatsApp through the real onboarding workflow and uploads a catalog through the API; then the Twilio
 * stand-in's customer writes, and the page must show the message and the AI's reply as they happen.
 *
 * Twilio signs each webhook over the URL it calls, and the API checks it against SERVER_PUBLIC_URL. The
 * stack's API listens on a port chosen at start, so the public URL is a port reserved beforehand that
 * forwards, byte for byte, to wherever the API ends up.
 */

const CATALOG_CSV = [
  'sku,name,price,currency,stock,description',
  'TS-001,Blue Cotton T-Shirt,19.90,USD,12,Soft organic cotton tee',
  'MUG-7,Ceramic Coffee Mug,8.00,USD,3,Dishwasher-safe 350 ml mug',
  'HAT-3,Wool Beanie Hat,15.50,USD,0,Warm winter beanie',
].join('\n');

let twilio: FakeTwilio;
let control: FakeTwilioControl;
let openai: FakeOpenAI;
let forwarder: Server;
let stack: WebStack;
let browser: Browser;

beforeAll(async () => {
  // Status callbacks a little apart, so "sent" then "delivered" can be seen changing in place.
  twilio = await startFakeTwilio({ masterAccountSid: MASTER_SID, masterAuthToken: MASTER_TOKEN, config: { messageStatusDelayMs: 300 } });
  control = new FakeTwilioControl(twilio.url);
  openai = await startFakeOpenAI();
  const publicPort = await freePort();
  let apiPort = 0;
  forwarder = await forwardTo(publicPort, () => apiPort);
  stack = await startWebStack('conversations', {
    SERVER_PUBLIC_URL: `http://127.0.0.1:${publicPort}`,
    TWILIO_ACCOUNT_SID: MASTER_SID,
    TWILIO_AUTH_TOKEN: MASTER_TOKEN,
    TWILIO_API_BASE_URL: twilio.url,
    OPENAI_API_KEY: 'test-key',
    OPENAI_BASE_URL: openai.url,
    SECRETS_ENCRYPTION_KEYS: formatKey('webconv', randomBytes(32)),
    REPLY_QUIET_PERIOD_MS: '200',
  });
  apiPort = Number(new URL(stack.apiUrl).port);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
  await new Promise((resolve) => (forwarder ? forwarder.close(resolve) : resolve(undefined)));
  await openai?.close();
  await twilio?.close();
});

it('shows a customer question and the AI reply live, the reply’s sources, takeover and a manual reply', async () => {
  // Prices are formatted in the browser's locale: pin it, so `$19.90` is what the page says.
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
  const page = await context.newPage();
  const { tenantId, csrf } = await signUpMerchant(context);
  const request = context.request;
  const post = (path: string, data: unknown = {}) => request.post(`${stack.webUrl}${path}`, { headers: { 'x-csrf-token': csrf }, data });

  // Nothing connected yet: the page says what to do first instead of showing an empty table.
  await page.goto(`${stack.webUrl}/app/conversations`);
  const empty = page.getByTestId('feed-empty');
  await empty.waitFor({ timeout: 20_000 });
  expect(await empty.innerText()).toContain('Connect WhatsApp first');
  await screenshot(page, 'conversations-1-empty-not-connected');

  // The catalog the AI answers from, uploaded as the dashboard would.
  const upload = await request.post(`${stack.webUrl}/api/catalog/uploads?fileName=catalog.csv`, {
    headers: { 'x-csrf-token': csrf, 'content-type': 'text/csv' },
    data: CATALOG_CSV,
  });
  expect(upload.status()).toBe(201);
  expect(await upload.json()).toMatchObject({ status: 'completed', created: 3, rejected: 0 });

  // WhatsApp through the real onboarding workflow; Meta's approval is played by the stand-in.
  const phone = await connectWhatsApp(request, post, tenantId);
  await page.reload();
  await empty.waitFor();
  expect(await empty.innerText()).toContain('No messages yet');
  expect(await empty.innerText()).toContain(phone);

  // The customer writes; the page is not reloaded from here on.
  const customer = uniquePhone();
  const question = 'Hi! How much is the blue cotton t-shirt?';
  await control.inbound({ to: phone, from: customer, body: question, profileName: 'Maria Lopez' });
  const rows = page.getByTestId('feed-row');
  const inboundRow = rows.filter({ hasText: question });
  await inboundRow.waitFor({ timeout: 20_000 });
  expect(await inboundRow.getAttribute('data-direction')).toBe('inbound');
  expect(await inboundRow.innerText()).toContain('Maria Lopez');
  const replyRow = rows.and(page.locator('[data-source="ai"]'));
  await replyRow.waitFor({ timeout: 20_000 });
  expect(await replyRow.getAttribute('data-direction')).toBe('outbound');
  expect(await replyRow.getByTestId('feed-body').innerText()).toContain('19.90 USD');
  // The delivery status moves on in place (status callbacks), still without a reload.
  await expect
    .poll(() => replyRow.locator('[data-status]').getAttribute('data-status'), { timeout: 15_000 })
    .toBe('delivered');
  expect(await rows.count()).toBe(2);
  // Newest first: the reply above the question.
  expect(await rows.first().getAttribute('data-source')).toBe('ai');
  await screenshot(page, 'conversations-2-feed-live');

  // Filters: outbound only, then a search, then back to everything.
  await page.getByLabel('Direction').selectOption('outbound');
  await expect.poll(() => rows.count()).toBe(1);
  expect(await rows.first().getAttribute('data-direction')).toBe('outbound');
  await page.getByLabel('Direction').selectOption('');
  await page.getByLabel('Search').fill('cotton t-shirt');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await expect.poll(() => rows.count()).toBe(2);
  await page.getByLabel('Search').fill('no such words anywhere');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await expect.poll(() => page.getByTestId('feed-empty').innerText()).toContain('No messages match these filters');
  await page.getByRole('button', { name: 'Clear filters' }).first().click();
  await expect.poll(() => rows.count()).toBe(2);

  // The conversation: both bubbles, and what the AI based its answer on.
  await replyRow.click();
  await page.waitForURL(/\/app\/conversations\/[^/]+$/);
  const conversationId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
  const thread = page.getByTestId('thread-message');
  await expect.poll(() => thread.count(), { timeout: 15_000 }).toBe(2);
  expect(await thread.first().getAttribute('data-direction')).toBe('inbound');
  expect(await thread.nth(1).getAttribute('data-source')).toBe('ai');
  const source = thread.nth(1).getByTestId('reply-source').and(page.locator('[data-sku="TS-001"]'));
  expect(await source.innerText()).toMatch(/Blue Cotton T-Shirt\s+SKU TS-001\s+\$19\.90/);
  const meta = await thread.nth(1).getByTestId('reply-meta').innerText();
  expect(meta).toContain('gpt-4o-mini');
  expect(meta).toMatch(/Answered in \d+ ms/);
  expect(await page.getByTestId('service-window').getAttribute('data-open')).toBe('true');
  expect(await page.getByTestId('service-window').innerText()).toContain('Reply window open');
  // The Temporal UI is an operator tool: a merchant sees the workflow's state on this page, not a link.
  expect(await page.getByTestId('temporal-link').count()).toBe(0);
  expect(await page.getByTestId('manual-reply').count()).toBe(0);
  await screenshot(page, 'conversations-3-thread-sources');

  // Take over; the reply box appears; a manual reply goes out through Twilio and shows in the thread.
  const takeover = page.getByTestId('takeover');
  await page.getByRole('button', { name: 'Take over' }).click();
  await expect.poll(() => takeover.getAttribute('data-ai-paused')).toBe('true');
  const manual = 'Hi Maria, Ana from the shop here. I can keep a blue t-shirt aside for you until Friday.';
  await page.getByLabel('Your reply').fill(manual);
  await page.getByRole('button', { name: 'Send reply' }).click();
  const mine = thread.and(page.locator('[data-source="human"]'));
  await mine.waitFor({ timeout: 10_000 });
  expect(await mine.innerText()).toContain(manual);
  expect(await page.getByLabel('Your reply').inputValue()).toBe('');
  await expect.poll(() => mine.locator('[data-status]').getAttribute('data-status'), { timeout: 15_000 }).toBe('delivered');
  const sent = await eventually(async () => {
    const { messages } = await control.messages({ direction: 'outbound-api', to: `whatsapp:${customer}` });
    return messages.some((m) => m.body === manual) && messages;
  }, 'the manual reply at the Twilio stand-in');
  expect(sent.map((m) => m.body)).toEqual([expect.stringContaining('19.90 USD'), manual]);

  // While taken over, the customer's next message appears live and the AI stays silent.
  await control.inbound({ to: phone, from: customer, body: 'Great, thank you!', profileName: 'Maria Lopez' });
  await expect.poll(() => thread.count(), { timeout: 15_000 }).toBe(4);
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  expect(await thread.count()).toBe(4);
  expect(await thread.last().getAttribute('data-direction')).toBe('inbound');
  await screenshot(page, 'conversations-4-taken-over-manual-reply');

  await page.getByRole('button', { name: 'Hand back to AI' }).click();
  await expect.poll(() => takeover.getAttribute('data-ai-paused')).toBe('false');
  expect(await page.getByTestId('manual-reply').count()).toBe(0);
  const stored = await stack.api.prisma.conversation.findUniqueOrThrow({ where: { id: conversationId } });
  expect(stored.aiPaused).toBe(false);

  // A reply Twilio could not deliver shows its error code in the feed.
  const second = uniquePhone();
  await control.scriptOutcome({ to: `whatsapp:${second}`, outcome: 'undelivered', errorCode: 63024, errorMessage: 'Invalid message recipient' });
  await control.inbound({ to: phone, from: second, body: 'Do you have the ceramic coffee mug?', profileName: 'Tom' });
  await page.getByRole('link', { name: '← All messages' }).click();
  await page.waitForURL(`${stack.webUrl}/app/conversations`);
  const failedRow = rows.and(page.locator('[data-source="ai"]')).filter({ hasText: 'Ceramic Coffee Mug' });
  await expect.poll(() => failedRow.locator('[data-status]').getAttribute('data-status'), { timeout: 20_000 }).toBe('undelivered');
  expect(await failedRow.getByTestId('delivery-problem').innerText()).toContain('63024');
  await screenshot(page, 'conversations-5-feed-after');

  // Older messages page in with the cursor.
  const older = Array.from({ length: 40 }, (_, i) => ({
    tenantId,
    conversationId,
    direction: 'inbound' as const,
    source: 'customer' as const,
    status: 'received' as const,
    body: `Older question number ${i + 1}`,
    createdAt: new Date(Date.now() - (i + 1) * 60 * 60 * 1000),
  }));
  await stack.api.prisma.message.createMany({ data: older });
  await page.reload();
  await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(30);
  const total = await stack.api.prisma.message.count({ where: { tenantId } });
  await page.getByRole('button', { name: 'Load older messages' }).click();
  await expect.poll(() => rows.count()).toBe(total);
  expect(await page.getByText('That’s everything').isVisible()).toBe(true);
  expect(await rows.last().innerText()).toContain('Older question number 40');

  // The same conversation, now long, in a laptop-sized window: the page itself does not scroll. The thread
  // scrolls inside its panel and opens at the newest message; the takeover panel and the reply box stay in view.
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(`${stack.webUrl}/app/conversations/${encodeURIComponent(conversationId)}`);
  await expect.poll(() => thread.count(), { timeout: 15_000 }).toBe(44);
  await page.getByRole('button', { name: 'Take over' }).click();
  await page.getByTestId('manual-reply').waitFor();
  await expect.poll(() => threadLayout(), { timeout: 5_000 }).toMatchObject({ atBottom: true, newestInView: true });
  const layout = await threadLayout();
  expect(layout.pageHeight).toBeLessThanOrEqual(layout.windowHeight);
  expect(layout.threadScrollHeight).toBeGreaterThan(layout.threadHeight);
  expect(layout.takeoverBottom).toBeLessThanOrEqual(layout.windowHeight);
  expect(layout.replyBottom).toBeLessThanOrEqual(layout.windowHeight);
  // The panel really scrolls: up to the oldest message and back.
  await page.getByTestId('thread').evaluate((element) => element.scrollTo({ top: 0 }));
  await expect.poll(async () => (await threadLayout()).threadScrollTop).toBe(0);
  expect(await thread.first().innerText()).toContain('Older question number 40');
  await page.getByTestId('thread').evaluate((element) => element.scrollTo({ top: element.scrollHeight }));
  await expect.poll(async () => (await threadLayout()).atBottom).toBe(true);
  await screenshot(page, 'conversations-6-long-thread-1280x800');

  // Under a burst bigger than the shop's backlog (api/webhooks/inbound-relay.ts): a message the AI left to the
  // merchant, and one still waiting after 40 s. Both pages say replies are late; the thread says why.
  const shedSid = `SM${randomBytes(16).toString('hex')}`;
  await stack.api.prisma.message.create({
    data: { tenantId, conversationId, direction: 'inbound', source: 'customer', status: 'received', body: 'Is the beanie back in stock?', providerMessageSid: shedSid, noReplyReason: 'overloaded' },
  });
  // Claimed just now (attemptedAt), so no relay's sweeper takes the waiting row during the next seconds.
  const waitingSid = `SM${randomBytes(16).toString('hex')}`;
  await stack.api.prisma.inboundHandoff.create({ data: { messageSid: waitingSid, tenantId, conversationId, createdAt: new Date(Date.now() - 40_000), attemptedAt: new Date() } });
  try {
    await page.goto(`${stack.webUrl}/app/conversations/${encodeURIComponent(conversationId)}`);
    const note = page.getByTestId('no-reply-note').and(page.locator('[data-reason="overloaded"]'));
    await note.waitFor({ timeout: 15_000 });
    expect(await note.innerText()).toContain('too many messages were waiting');
    await page.goto(`${stack.webUrl}/app/conversations`);
    const late = page.getByTestId('replies-delayed');
    await late.waitFor({ timeout: 15_000 });
    expect(await late.innerText()).toMatch(/1 customer message is waiting for a reply, the oldest for (4\d|5\d) s/);
    expect(await late.innerText()).toContain('1 message in the last hour got no AI reply');
    await screenshot(page, 'conversations-7-replies-delayed');
    await page.goto(`${stack.webUrl}/app`);
    await page.getByTestId('replies-delayed').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('replies-delayed').innerText()).toContain('AI replies are running late');
    await screenshot(page, 'conversations-8-home-replies-delayed');
  } finally {
    await stack.api.prisma.inboundHandoff.deleteMany({ where: { messageSid: waitingSid } });
  }

  await context.close();

  /** Sizes on the thread page, measured in the browser (a string keeps DOM types out of this file). */
  function threadLayout(): Promise<ThreadLayout> {
    return page.evaluate<ThreadLayout>(`(() => {
      const thread = document.querySelector('[data-testid="thread"]');
      const box = thread.getBoundingClientRect();
      const newest = [...thread.querySelectorAll('[data-testid="thread-message"]')].at(-1).getBoundingClientRect();
      const bottomOf = (testId) => document.querySelector('[data-testid="' + testId + '"]')?.getBoundingClientRect().bottom ?? Infinity;
      return {
        pageHeight: document.documentElement.scrollHeight,
        windowHeight: window.innerHeight,
        threadHeight: thread.clientHeight,
        threadScrollHeight: thread.scrollHeight,
        threadScrollTop: thread.scrollTop,
        atBottom: thread.scrollHeight - thread.scrollTop - thread.clientHeight < 2,
        newestInView: newest.top >= box.top && newest.bottom <= box.bottom + 1,
        takeoverBottom: bottomOf('takeover'),
        replyBottom: bottomOf('manual-reply'),
      };
    })()`);
  }
});

interface ThreadLayout {
  pageHeight: number;
  windowHeight: number;
  threadHeight: number;
  threadScrollHeight: number;
  threadScrollTop: number;
  atBottom: boolean;
  newestInView: boolean;
  takeoverBottom: number;
  replyBottom: number;
}

async function signUpMerchant(context: BrowserContext): Promise<{ tenantId: string; csrf: string }> {
  const body = await signUpConfirmed(context.request, stack.webUrl, {
    email: `conv-${Date.now()}@shop.example`, password: 'correct horse battery staple', name: 'Ana Owner', companyName: 'Ana Shop',
  });
  return { tenantId: body.tenant.id, csrf: body.csrfToken };
}

/** Connects WhatsApp with the onboarding workflow; returns the merchant's number. */
async function connectWhatsApp(
  request: APIRequestContext,
  post: (path: string, data?: unknown) => ReturnType<APIRequestContext['post']>,
  tenantId: string,
): Promise<string> {
  expect((await post('/api/whatsapp/connect')).status()).toBe(202);
  const account = await eventually(async () => subaccountOf(twilio, tenantId)[0], 'the subaccount');
  const phone = uniquePhone();
  await control.createSender(account.sid, { phoneNumber: phone, onlineAfterMs: 0 });
  await eventually(async () => (await post('/api/whatsapp/check-now')).ok(), 'the check-now signal');
  await eventually(async () => {
    const connection = (await (await request.get(`${stack.webUrl}/api/whatsapp`)).json()) as { status: string };
    return connection.status === 'connected';
  }, 'WhatsApp connected', 30_000);
  return phone;
}

/** A loopback TCP port that forwards every connection to the port `target()` names at that moment. */
function forwardTo(port: number, target: () => number): Promise<Server> {
  const server = createServer((inbound) => {
    const outbound = connect({ host: '127.0.0.1', port: target() });
    inbound.pipe(outbound).pipe(inbound);
    const closeBoth = () => {
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on('error', closeBoth);
    outbound.on('error', closeBoth);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
