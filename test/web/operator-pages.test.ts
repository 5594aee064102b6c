import { readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeTwilio, type FakeTwilio } from '../../fakes/twilio/server.js';
import { addOperator } from '../../lib/auth/operators.js';
import { signUp, type TestSession } from '../support/api.js';
import { launchBrowser, screenshot } from '../support/browser.js';
import { startWebStack, type WebStack } from '../support/web-stack.js';

/*
 * The operator pages in Chromium on the real stack: an operator (made as `npm run operator -- add` makes
 * them) signs in, filters the audit log, opens an entry, downloads the export (a CSV of exactly the
 * filter), tests credentials (a wrong typed-in Twilio token shows Twilio's own reason), sends a test
 * alert, sees a shop's reply backlog; a merchant gets no link to /ops and a 404 there. Desktop 1280×800 and
 * phone 390×844.
 */
const MASTER_SID = `AC${'0b5e55ed'.repeat(4)}`;
const MASTER_TOKEN = `web-master-token-${randomUUID().slice(0, 8)}`;

let twilio: FakeTwilio;
let stack: WebStack;
let browser: Browser;
let merchant: TestSession;
const operatorEmail = `ops-${randomUUID().slice(0, 8)}@wara.example`;
let operatorPassword: string;
const shopName = `Filter Shop ${randomUUID().slice(0, 6)}`;

beforeAll(async () => {
  twilio = await startFakeTwilio({ masterAccountSid: MASTER_SID, masterAuthToken: MASTER_TOKEN });
  stack = await startWebStack('ops', {
    TWILIO_ACCOUNT_SID: MASTER_SID,
    TWILIO_AUTH_TOKEN: MASTER_TOKEN,
    TWILIO_API_BASE_URL: twilio.url,
    ALLOW_TEMPORARY_CREDENTIALS: 'true',
  });
  browser = await launchBrowser();
  merchant = await signUp(stack.api.app, { companyName: shopName });
  // Something for the filters to find in this shop: a failed and a good log-in.
  await stack.api.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: merchant.email, password: 'not the password at all' } });
  await stack.api.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: merchant.email, password: merchant.password } });
  operatorPassword = (await addOperator(stack.api.prisma, operatorEmail, { by: 'web-test' })).password!;
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
  await twilio?.close();
});

async function logIn(page: Page, email: string, password: string, next: string): Promise<void> {
  await page.goto(`${stack.webUrl}/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

const rows = (page: Page) => page.getByTestId('audit-table').locator('tbody tr');

/**
 * Two of the merchant's customers waiting for a turn (the oldest for 50 s) and one message shed. The hand-off
 * rows are claimed for an hour, so no sweeper (this stack's or another test file's) takes them meanwhile.
 */
async function seedBacklog(): Promise<void> {
  const prisma = stack.api.prisma;
  for (const [i, agoMs] of [50_000, 5_000, 60_000].entries()) {
    const customer = `whatsapp:+1555${String(Date.now()).slice(-6)}${i}`;
    const conversation = await prisma.conversation.create({ data: { tenantId: merchant.tenantId, channel: 'whatsapp', customerAddress: customer } });
    const sid = `SM${randomUUID().replaceAll('-', '')}`;
    const at = new Date(Date.now() - agoMs);
    const shed = i === 2;
    await prisma.message.create({
      data: { tenantId: merchant.tenantId, conversationId: conversation.id, direction: 'inbound', providerMessageSid: sid, body: 'still in stock?', status: 'received', source: 'customer', createdAt: at, ...(shed ? { noReplyReason: 'overloaded' } : {}) },
    });
    if (!shed) await prisma.inboundHandoff.create({ data: { messageSid: sid, tenantId: merchant.tenantId, conversationId: conversation.id, createdAt: at, attemptedAt: new Date(Date.now() + 3_600_000) } });
  }
}

describe('operator pages', () => {
  it('audit log: filters by tenant, action, actor and dates; opens an entry; exports exactly the filter as CSV', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    const page = await context.newPage();
    await logIn(page, operatorEmail, operatorPassword, '/ops');
    await page.waitForURL(`${stack.webUrl}/ops/audit`);
    expect(await page.getByRole('navigation', { name: 'Operations' }).getByRole('link').allInnerTexts()).toEqual(expect.arrayContaining(['Audit log', 'Credentials', 'Alerts']));
    await rows(page).first().waitFor();

    await page.getByTestId('audit-filter-tenant').selectOption({ label: shopName });
    await expect.poll(async () => new Set(await rows(page).evaluateAll((trs) => trs.map((tr) => tr.querySelector('td:nth-child(3)')?.textContent?.trim())))).toEqual(new Set([shopName]));
    await page.getByTestId('audit-filter-action').selectOption('auth.');
    await expect.poll(async () => (await rows(page).evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-action')))).sort()).toEqual(
      ['auth.email_verified', 'auth.login', 'auth.login_failed', 'auth.signup'],
    );
    // The actor: the owner's email (the failed log-in was against their account, so it is theirs too).
    await page.getByTestId('audit-filter-actor').fill(merchant.email);
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(async () => (await rows(page).evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-action')))).sort()).toEqual(
      ['auth.email_verified', 'auth.login', 'auth.login_failed', 'auth.signup'],
    );
    await page.getByTestId('audit-filter-actor').fill('workflow');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => page.getByText('No entries match these filters.').isVisible()).toBe(true);
    await page.getByTestId('audit-filter-actor').fill(merchant.email);
    const today = new Date();
    const day = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    await page.getByTestId('audit-filter-from').fill(day(today));
    await page.getByTestId('audit-filter-to').fill(day(today));
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => rows(page).count()).toBe(4);
    await screenshot(page, 'ops-audit-filtered');
    // A range that ended yesterday holds none of today's entries.
    const yesterday = new Date(today.getTime() - 24 * 60 * 60 * 1000);
    await page.getByTestId('audit-filter-from').fill(day(yesterday));
    await page.getByTestId('audit-filter-to').fill(day(yesterday));
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => page.getByText('No entries match these filters.').isVisible()).toBe(true);
    await page.getByTestId('audit-filter-from').fill(day(today));
    await page.getByTestId('audit-filter-to').fill(day(today));
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => rows(page).count()).toBe(4);

    // An entry's details: the masked address and the JSON recorded with it.
    await page.locator('tr[data-action="auth.signup"]').getByRole('button').click();
    const entry = page.getByTestId('audit-entry');
    await entry.waitFor();
    expect(await entry.getByRole('heading', { level: 2 }).innerText()).toBe('auth.signup');
    expect(await page.getByTestId('audit-entry-details').innerText()).toContain('"method": "password"');
    expect(await entry.innerText()).toMatch(/127\.0\.0\.x|0:0:0:x:x:x:x:x/);
    await screenshot(page, 'ops-audit-entry');

    // The export is the filter's rows, as a CSV file.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('audit-export').click()]);
    expect(download.suggestedFilename()).toMatch(/^wara-audit-\d{4}-\d{2}-\d{2}\.csv$/);
    const records = parse(await readFile((await download.path())!, 'utf8'), { bom: true, columns: true }) as Array<Record<string, string>>;
    expect(records.map((r) => r.action).sort()).toEqual(['auth.email_verified', 'auth.login', 'auth.login_failed', 'auth.signup']);
    expect(new Set(records.map((r) => r.tenant_id))).toEqual(new Set([merchant.tenantId]));
    expect(new Set(records.map((r) => r.actor_email))).toEqual(new Set([merchant.email]));
    expect(records.every((r) => r.ip_masked === '127.0.0.x' || r.ip_masked?.endsWith(':x:x:x:x:x'))).toBe(true);
    // Viewing and exporting were recorded under that shop.
    expect(await stack.api.prisma.auditLog.count({ where: { tenantId: merchant.tenantId, action: 'ops.audit_exported' } })).toBe(1);

    // Clearing the filters shows everything again.
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(() => rows(page).count()).toBeGreaterThan(3);
    await context.close();
  });

  it("credentials: tests the configured ones; a wrong typed-in Twilio token shows Twilio's reason and is forgotten", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await logIn(page, operatorEmail, operatorPassword, '/ops/credentials');
    await page.waitForURL(`${stack.webUrl}/ops/credentials`);
    const twilioRow = page.locator('li[data-provider="twilio"]');
    await twilioRow.getByRole('button', { name: 'Test' }).click();
    await expect.poll(() => page.getByTestId('credential-result-twilio').getAttribute('data-status')).toBe('ok');
    expect(await page.getByTestId('credential-result-twilio').innerText()).toMatch(/\d+ ms/);

    await page.getByRole('button', { name: 'Test all' }).click();
    await expect.poll(() => page.getByTestId('credential-result-stripe').getAttribute('data-status')).toBe('not_configured');

    const wrongToken = `typed-${randomUUID()}`;
    await page.getByTestId('temporary-provider').selectOption('twilio');
    await page.getByTestId('temporary-account-sid').fill(MASTER_SID);
    await page.getByTestId('temporary-secret').fill(wrongToken);
    await page.getByRole('button', { name: 'Test without saving' }).click();
    const result = page.getByTestId('temporary-credential-result');
    await expect.poll(() => result.getAttribute('data-status')).toBe('failed');
    expect(await result.innerText()).toContain('Authenticate');
    expect(await page.getByTestId('temporary-secret').inputValue()).toBe('');
    expect(await page.content()).not.toContain(wrongToken);
    await screenshot(page, 'ops-credentials');

    await page.getByRole('navigation', { name: 'Operations' }).getByRole('link', { name: 'Alerts' }).click();
    await page.waitForURL(`${stack.webUrl}/ops/alerts`);
    await page.getByRole('button', { name: 'Send a test alert' }).click();
    await expect.poll(() => page.getByTestId('test-alert-result').innerText()).toContain('recorded and logged only');
    await expect.poll(() => page.getByRole('table', { name: 'Recent alerts' }).innerText()).toContain('WARA test alert');
    await screenshot(page, 'ops-alerts');

    // A burst at the merchant's shop: two customers waiting (the oldest for 50 s) and one message shed.
    await seedBacklog();
    await page.getByRole('navigation', { name: 'Operations' }).getByRole('link', { name: 'Reply backlog' }).click();
    await page.waitForURL(`${stack.webUrl}/ops/replies`);
    const shop = page.getByRole('table', { name: 'Shops with replies waiting' }).locator('tr', { hasText: shopName });
    await expect.poll(async () => (await shop.count()) === 1 && (await shop.innerText())).toMatch(/Shedding\s+2\s+(\d+ s|1 min)\s+1$/);
    expect(Number((await page.getByTestId('total-waiting').innerText()).replace(/\D/g, ''))).toBeGreaterThanOrEqual(2);
    await screenshot(page, 'ops-replies');
    await page.close();
  });

  it('fits a phone: 390×844, no sideways scrolling of the page', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await logIn(page, operatorEmail, operatorPassword, '/ops/audit');
    await page.waitForURL(`${stack.webUrl}/ops/audit`);
    await rows(page).first().waitFor();
    // Evaluated in the page (DOM globals), written as a string for this file's Node typings.
    const overflow = () => page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    await screenshot(page, 'ops-audit-phone');
    expect(await overflow()).toBeLessThanOrEqual(0);
    await rows(page).first().getByRole('button').click();
    await page.getByTestId('audit-entry').waitFor();
    expect(await overflow()).toBeLessThanOrEqual(0);
    await screenshot(page, 'ops-audit-entry-phone');
    await page.goto(`${stack.webUrl}/ops/credentials`);
    await page.locator('li[data-provider="twilio"]').waitFor();
    expect(await overflow()).toBeLessThanOrEqual(0);
    await screenshot(page, 'ops-credentials-phone');
    await page.goto(`${stack.webUrl}/ops/replies`);
    await page.getByRole('heading', { name: 'Reply backlog' }).waitFor();
    await page.getByTestId('total-waiting').waitFor();
    expect(await overflow()).toBeLessThanOrEqual(0);
    await screenshot(page, 'ops-replies-phone');
    await page.close();
  });

  it('an operator sees the Operations link in the dashboard; a merchant sees none and gets 404 at /ops', async () => {
    const ops = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await logIn(ops, operatorEmail, operatorPassword, '/app');
    await ops.waitForURL(`${stack.webUrl}/app`);
    await ops.getByTestId('ops-link').click();
    await ops.waitForURL(`${stack.webUrl}/ops/audit`);
    await ops.close();

    for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
      const page = await browser.newPage({ viewport });
      await logIn(page, merchant.email, merchant.password, '/app');
      await page.waitForURL(`${stack.webUrl}/app`);
      await page.getByRole('navigation', { name: 'Dashboard' }).waitFor();
      expect(await page.getByTestId('ops-link').count()).toBe(0);
      expect(await page.getByText('Operations').count()).toBe(0);
      const response = await page.goto(`${stack.webUrl}/ops/audit`);
      expect(response?.status()).toBe(404);
      expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Page not found');
      const api = await page.evaluate(async () => (await fetch('/api/ops/audit')).status);
      expect(api).toBe(403);
      if (viewport.width === 390) await screenshot(page, 'ops-merchant-404-phone');
      // The merchant's own audit log works, with their shop's entries only.
      await page.goto(`${stack.webUrl}/app/audit`);
      await rows(page).first().waitFor();
      expect(await page.getByTestId('audit-filter-tenant').count()).toBe(0);
      if (viewport.width === 1280) await screenshot(page, 'merchant-audit-log');
      await page.close();
    }
  });
});
