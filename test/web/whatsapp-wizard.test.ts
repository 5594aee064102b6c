import { randomBytes, randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FakeTwilioControl } from '../../fakes/twilio/control-client.js';
import { startFakeTwilio, type FakeTwilio } from '../../fakes/twilio/server.js';
import { formatKey } from '../../lib/crypto/index.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { launchBrowser, screenshot, signUpConfirmed } from '../support/browser.js';
import { startWebServer, type WebServer } from '../support/web-server.js';
import { startTestWorker, type TestWorker } from '../support/worker.js';
import { MASTER_SID, MASTER_TOKEN, uniquePhone } from '../onboarding/harness.js';

/*
 * The WhatsApp wizard in Chromium against the real API, worker (production composition), Temporal dev
 * server and database, with the Twilio stand-in in process. Meta's signup popup is played by the test:
 * it reads the subaccount from the popup's URL, creates the sender there, and closes the popup — which
 * makes the page ask the workflow to check at once.
 */

const SIGNUP_BASE_URL = 'https://signup.example/whatsapp';

let fake: FakeTwilio;
let control: FakeTwilioControl;
let api: TestApi;
let worker: TestWorker;
let web: WebServer;
let browser: Browser;

beforeAll(async () => {
  fake = await startFakeTwilio({ masterAccountSid: MASTER_SID, masterAuthToken: MASTER_TOKEN });
  control = new FakeTwilioControl(fake.url);
  api = await startTestApi({
    TEMPORAL_TASK_QUEUE: `whatsapp-wizard-${randomUUID()}`,
    TWILIO_ACCOUNT_SID: MASTER_SID,
    TWILIO_AUTH_TOKEN: MASTER_TOKEN,
    TWILIO_API_BASE_URL: fake.url,
    TWILIO_EMBEDDED_SIGNUP_ENABLED: 'true',
    TWILIO_EMBEDDED_SIGNUP_BASE_URL: SIGNUP_BASE_URL,
    SECRETS_ENCRYPTION_KEYS: formatKey('web1', randomBytes(32)),
  });
  worker = await startTestWorker(api.deps.env);
  const apiUrl = await api.app.listen({ host: '127.0.0.1', port: 0 });
  web = await startWebServer({ apiUrl });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await web?.close();
  await worker?.stop();
  await api?.close();
  await fake?.close();
});

it('connects WhatsApp from start to connected, sends a test message and disconnects', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  // Connecting needs a confirmed address: the owner followed the emailed link.
  await signUpConfirmed(context.request, web.url, {
    email: `wa-${Date.now()}@shop.example`, password: 'correct horse battery staple', name: 'Wa Owner', companyName: 'Wa Shop',
  });
  // Meta's hosted signup is not reachable from a test: a stand-in page answers at the configured URL.
  await context.route(`${SIGNUP_BASE_URL}**`, (route) =>
    route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>WhatsApp signup</title><h1>Meta signup (stand-in)</h1>' }),
  );
  const page = await context.newPage();
  const wizard = page.getByTestId('whatsapp-wizard');

  await page.goto(`${web.url}/app/whatsapp`);
  // The first visit compiles the page in the dev server: allow it time.
  await expect.poll(() => wizard.getAttribute('data-stage'), { timeout: 15_000 }).toBe('start');
  await screenshot(page, 'whatsapp-1-start');

  await page.getByRole('button', { name: 'Connect WhatsApp' }).click();
  const panel = page.getByTestId('signup-panel');
  await panel.waitFor({ timeout: 20_000 });
  expect(await panel.getAttribute('data-mode')).toBe('embedded');
  expect(await page.getByTestId('step-subaccount').getAttribute('data-state')).toBe('done');
  expect(await page.getByTestId('step-apiKey').getAttribute('data-state')).toBe('done');
  await expect.poll(() => page.getByTestId('step-sender').getAttribute('data-state')).toBe('waiting');
  await expect.poll(() => page.getByTestId('step-sender').innerText()).toContain('Next check');
  // The Temporal UI is an operator tool: a merchant's page has no link to it (nor its address).
  expect(await page.getByTestId('temporal-link').count()).toBe(0);
  expect(await page.content()).not.toContain(':8233');
  await screenshot(page, 'whatsapp-2-waiting-for-signup');

  const popupOpened = page.waitForEvent('popup');
  await page.getByRole('button', { name: 'Open WhatsApp signup' }).click();
  const popup = await popupOpened;
  await popup.waitForLoadState();
  const accountSid = new URL(popup.url()).searchParams.get('accountSid');
  expect(accountSid).toMatch(/^AC[0-9a-f]{32}$/);
  const phone = uniquePhone();
  await control.createSender(accountSid!, { phoneNumber: phone, onlineAfterMs: 0 });
  await popup.close();

  await expect.poll(() => wizard.getAttribute('data-stage'), { timeout: 20_000 }).toBe('connected');
  expect(await page.getByTestId('connected-number').innerText()).toBe(phone);
  for (const step of ['subaccount', 'apiKey', 'signup', 'sender', 'messagingService', 'attachSender', 'identifiers']) {
    expect(await page.getByTestId(`step-${step}`).getAttribute('data-state'), step).toBe('done');
  }
  await screenshot(page, 'whatsapp-3-connected');

  await page.getByLabel('Send a test message to').fill('+44 7700 900123');
  await page.getByRole('button', { name: 'Send test message' }).click();
  await page.getByTestId('test-message-result').waitFor({ timeout: 20_000 });
  expect(await page.getByTestId('test-message-result').innerText()).toContain('+447700900123');
  const { messages } = await control.messages({ accountSid: accountSid!, direction: 'outbound-api' });
  expect(messages.map((m) => m.to)).toEqual(['whatsapp:+447700900123']);
  await screenshot(page, 'whatsapp-4-test-message');

  // Nothing secret reached the browser: the page's HTML and every API answer it read.
  const html = await page.content();
  const secrets = [MASTER_TOKEN, fake.state.accounts.get(accountSid!)!.authToken, ...[...fake.state.keys.values()].map((k) => k.secret)];
  for (const secret of secrets) expect(html).not.toContain(secret);

  await page.getByRole('button', { name: 'Disconnect WhatsApp' }).click();
  await expect.poll(() => wizard.getAttribute('data-stage'), { timeout: 20_000 }).toBe('start');
  await expect.poll(() => page.locator('[data-status]').first().getAttribute('data-status')).toBe('disconnected');
  expect([...fake.state.keys.values()].filter((k) => k.accountSid === accountSid)).toEqual([]);
  await screenshot(page, 'whatsapp-5-disconnected');
  await context.close();
});
