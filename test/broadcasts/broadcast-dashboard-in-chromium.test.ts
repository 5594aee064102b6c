// The SMS and broadcast pages in Chromium against the real API, worker (both task queues), Temporal dev
// server and database, with the Twilio stand-in in process: buy an SMS number, record who opted in, compose
// an SMS broadcast with a preview, send it, and watch its progress to the end; screenshots on the way (also
// on a phone's screen).
import { randomBytes, randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFakeTwilio, type FakeTwilio } from '../../fakes/twilio/server.js';
import { freePort } from '../../scripts/devstack/ports.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { launchBrowser, screenshot } from '../support/browser.js';
import { startWebServer, type WebServer } from '../support/web-server.js';
import { startTestWorker, type TestWorker } from '../support/worker.js';
import { MASTER_SID, MASTER_TOKEN, startBroadcastHarness, startBroadcastQueueWorker, uniquePhone, type BroadcastHarness } from './harness.js';

let fake: FakeTwilio;
let api: TestApi;
let worker: TestWorker;
let broadcastWorker: { stop(): Promise<void> };
let web: WebServer;
let browser: Browser;
let h: BroadcastHarness;

beforeAll(async () => {
  fake = await startFakeTwilio({ masterAccountSid: MASTER_SID, masterAuthToken: MASTER_TOKEN, config: { messageStatusDelayMs: 150 } });
  const secretsKeys = `web:${randomBytes(32).toString('base64')}`;
  // Twilio's status callbacks (delivered) come to the API's public URL, which signatures are computed over.
  const port = await freePort();
  const apiUrl = `http://127.0.0.1:${port}`;
  api = await startTestApi({
    SERVER_PUBLIC_URL: apiUrl,
    TEMPORAL_TASK_QUEUE: `broadcast-web-${randomUUID()}`,
    TWILIO_ACCOUNT_SID: MASTER_SID,
    TWILIO_AUTH_TOKEN: MASTER_TOKEN,
    TWILIO_API_BASE_URL: fake.url,
    SECRETS_ENCRYPTION_KEYS: secretsKeys,
    BROADCAST_SMS_RATE_PER_SECOND: '2',
    RELAY_THREAD: 'false',
  });
  await api.app.listen({ host: '127.0.0.1', port });
  h = await startBroadcastHarness({ fake, publicUrl: apiUrl, secretsKeys });
  worker = await startTestWorker(api.deps.env);
  broadcastWorker = await startBroadcastQueueWorker(api.deps.env);
  web = await startWebServer({ apiUrl });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await web?.close();
  await broadcastWorker?.stop();
  await worker?.stop();
  await h?.close();
  await api?.close();
  await fake?.close();
});

it('buys an SMS number, records opt-ins, composes and sends an SMS broadcast, and follows it to delivered', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const email = `bc-${Date.now()}@shop.example`;
  const signup = await context.request.post(`${web.url}/api/auth/signup`, {
    data: { email, password: 'correct horse battery staple', name: 'Bea Owner', companyName: 'Bea’s Bakery' },
  });
  expect(signup.status()).toBe(201);
  const { user, tenant } = (await signup.json()) as { user: { id: string }; tenant: { id: string } };
  // The owner followed the link in the confirmation email (buying a number needs a confirmed address; the link
  // itself has its own tests).
  await api.prisma.user.update({ where: { id: user.id }, data: { emailVerifiedAt: new Date() } });
  // WhatsApp connected as onboarding leaves it (the wizard has its own browser test).
  await h.connectShop({ tenantId: tenant.id });
  const page = await context.newPage();

  // 1. SMS: search, buy, watch the steps.
  await page.goto(`${web.url}/app/sms`);
  await page.getByTestId('no-sms-numbers').waitFor({ timeout: 20_000 });
  // Another area code than test/sms uses: both run at once against one database, where a held number is unique.
  await page.getByLabel('Area code').fill('512');
  await page.getByRole('button', { name: 'Search numbers' }).click();
  const results = page.getByTestId('number-results');
  await results.waitFor({ timeout: 20_000 });
  await screenshot(page, 'broadcasts-1-sms-search');
  const buy = results.getByRole('button').first();
  const phone = ((await buy.innerText()).match(/\+\d+/) ?? [''])[0];
  await buy.click();
  const number = page.locator(`[data-testid="sms-number"][data-phone="${phone}"]`);
  await expect.poll(() => number.getAttribute('data-status'), { timeout: 30_000 }).toBe('active');
  await screenshot(page, 'broadcasts-2-sms-number-active');

  // 2. Audience: record who opted in by SMS, with tags.
  const customers = Array.from({ length: 6 }, () => uniquePhone());
  await page.goto(`${web.url}/app/broadcasts/audience`);
  await page.getByText('No customer here yet.').waitFor({ timeout: 20_000 });
  await page.getByRole('button', { name: 'SMS', exact: true }).click();
  await expect.poll(() => page.getByRole('button', { name: 'SMS', exact: true }).getAttribute('aria-pressed')).toBe('true');
  expect(await page.getByLabel(/Customers who agreed/).getAttribute('placeholder')).toContain('+1415');
  await page.getByLabel(/Customers who agreed/).fill(customers.map((c, i) => `${c}, ${['Ana', 'Bo', 'Cy', 'Di', 'Ed', 'Flo'][i]}, ${i < 4 ? 'regulars' : 'new'}`).join('\n'));
  await page.getByLabel('How they agreed').selectOption('in_store');
  await page.getByRole('button', { name: 'Record opt-ins' }).click();
  await expect.poll(() => page.getByTestId('opt-in-result').innerText(), { timeout: 15_000 }).toContain('6 added');
  await expect.poll(() => page.getByTestId('customer-row').count()).toBe(6);
  await screenshot(page, 'broadcasts-3-audience');

  // 3. Compose: SMS to the "regulars", preview, send.
  await page.goto(`${web.url}/app/broadcasts/new`);
  await page.getByTestId('broadcast-compose').waitFor({ timeout: 20_000 });
  await page.getByRole('textbox', { name: /^Name/ }).fill('Fresh croissants');
  await page.getByRole('radio', { name: /SMS/ }).check();
  await page.getByRole('button', { name: /^regulars/ }).click();
  await page.getByLabel(/^Text/).fill('Hi {{first_name}}, fresh croissants 2 for 1 until noon! 🥐');
  await page.getByRole('button', { name: 'Preview' }).click();
  await expect.poll(() => page.getByTestId('preview-recipients').innerText(), { timeout: 15_000 }).toBe('4');
  expect(await page.getByTestId('preview-text').innerText()).toMatch(/^Hi (Ana|Bo|Cy|Di), fresh croissants 2 for 1 until noon! 🥐\s+Reply STOP to opt out\.$/);
  // The emoji makes it UCS-2: the preview says so.
  expect(await page.getByTestId('preview-segments').innerText()).toContain('UCS-2');
  await screenshot(page, 'broadcasts-4-compose-preview');
  // Nothing wider than the screen (a stray element once made the page scroll sideways).
  expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1280);
  await page.getByRole('button', { name: 'Send broadcast' }).click();

  // 4. Progress to the end: every regular sent and delivered, the "new" ones untouched.
  await page.waitForURL(/\/app\/broadcasts\/[^/]+$/, { timeout: 20_000 });
  const progress = page.getByTestId('broadcast-progress');
  await progress.waitFor({ timeout: 20_000 });
  await screenshot(page, 'broadcasts-5-progress-running');
  await expect.poll(() => progress.getAttribute('data-status'), { timeout: 30_000 }).toBe('completed');
  await expect.poll(() => page.getByTestId('count-delivered').innerText(), { timeout: 20_000 }).toBe('4');
  expect(await page.getByTestId('percent-done').innerText()).toBe('100%');
  expect(await page.getByTestId('temporal-link').count()).toBe(0);
  await expect.poll(() => page.getByTestId('recipient-table').locator('tbody tr[data-status="delivered"]').count(), { timeout: 15_000 }).toBe(4);
  await screenshot(page, 'broadcasts-6-progress-done');

  const { messages } = await h.control.messages({ direction: 'outbound-api' });
  const sent = messages.filter((m) => customers.includes(m.to));
  expect(sent.map((m) => m.to).sort()).toEqual(customers.slice(0, 4).sort());
  expect(sent.every((m) => m.from === phone)).toBe(true);

  // 5. The list, and the same pages on a phone.
  await page.goto(`${web.url}/app/broadcasts`);
  await page.getByTestId('broadcast-table').waitFor({ timeout: 15_000 });
  await screenshot(page, 'broadcasts-7-list');
  const phonePage = await context.newPage();
  await phonePage.setViewportSize({ width: 390, height: 844 });
  await phonePage.goto(page.url());
  await phonePage.getByTestId('broadcast-table').waitFor({ timeout: 15_000 });
  await screenshot(phonePage, 'broadcasts-8-list-phone');
  await phonePage.getByRole('link', { name: 'Fresh croissants' }).click();
  await phonePage.getByTestId('broadcast-progress').waitFor({ timeout: 15_000 });
  await screenshot(phonePage, 'broadcasts-9-progress-phone');
  await context.close();
});
