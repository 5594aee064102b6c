import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeStripeControl } from '../../fakes/stripe/control-client.js';
import type { FakeStripe } from '../../fakes/stripe/server.js';
import { EmailVerifier } from '../../lib/auth/email-verification.js';
import { TEST_APP_SECRET } from '../support/api.js';
import { launchBrowser, screenshot } from '../support/browser.js';
import { startWebStack, type WebStack } from '../support/web-stack.js';
import { startStripeStandIn, stripeEnv } from '../billing/harness.js';

/*
 * Billing as a merchant does it, in Chromium, on the whole stack: the dashboard, the real API and worker,
 * and the Stripe stand-in's hosted Checkout and customer-portal pages, whose signed webhooks reach the
 * API. Sign up → Billing page (trial) → upgrade through Checkout → the plan shows → the portal → cancel →
 * the state shows. Once at desktop size (cancel at the period's end) and once on a phone (cancel now: the
 * AI replies are paused and the page says why).
 */

let fake: FakeStripe;
let stack: WebStack;
let browser: Browser;

beforeAll(async () => {
  fake = await startStripeStandIn();
  stack = await startWebStack('billing', stripeEnv(fake));
  await new FakeStripeControl(fake.url).config({ webhookUrl: `${stack.apiUrl}/webhooks/stripe`, businessName: 'WARA' });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
  await fake?.close();
});

/** A new merchant with a confirmed email address, logged in in a fresh browser context. */
async function merchant(viewport: { width: number; height: number }): Promise<{ context: BrowserContext; page: Page; tenantId: string }> {
  const context = await browser.newContext({ viewport });
  const email = `billing-${randomUUID().slice(0, 8)}@shop.example`;
  const signup = await context.request.post(`${stack.webUrl}/api/auth/signup`, {
    data: { email, password: 'correct horse battery staple', name: 'Bea Billing', companyName: 'Bea’s Bikes' },
  });
  expect(signup.status()).toBe(201);
  const body = (await signup.json()) as { user: { id: string }; tenant: { id: string }; csrfToken: string };
  // Following the emailed link (signed as the worker signs it): paying needs a confirmed address.
  const token = new EmailVerifier(TEST_APP_SECRET).sign({ userId: body.user.id, email, expiresAt: Date.now() + 60_000 });
  const verified = await context.request.post(`${stack.webUrl}/api/auth/verify-email`, { data: { token }, headers: { 'x-csrf-token': body.csrfToken } });
  expect(verified.status()).toBe(200);
  return { context, page: await context.newPage(), tenantId: body.tenant.id };
}

const billingPage = (page: Page) => page.getByTestId('current-plan');
const badge = (page: Page) => page.getByTestId('billing-badge');

async function upgradeThroughCheckout(page: Page, name: string, shot: string): Promise<void> {
  await page.goto(`${stack.webUrl}/app/billing`);
  // The first visit compiles the page in the dev server; the Stripe customer appears a moment after sign-up.
  await expect.poll(() => billingPage(page).getAttribute('data-phase'), { timeout: 20_000 }).toBe('trialing');
  await page.getByTestId('plan-chooser').waitFor({ timeout: 20_000 });
  expect(await page.getByTestId('billing-usage').innerText()).toContain('of 1,000 AI replies');
  // Two weeks left: choosing now keeps them, and the page says so.
  expect(await page.getByTestId('checkout-note').innerText()).toContain('Choosing during your trial keeps its remaining days');
  expect((await badge(page).innerText()).trim()).toBe('Free trial');
  await screenshot(page, `${shot}-1-trial`);

  await page.getByRole('button', { name: `Choose ${name}` }).click();
  await page.waitForURL((url) => url.origin === fake.url && url.pathname.startsWith('/pay/'), { timeout: 20_000 });
  await screenshot(page, `${shot}-2-checkout`);
  await page.getByRole('button', { name: 'Pay', exact: true }).click();

  await page.waitForURL((url) => url.pathname === '/app/billing' && url.searchParams.get('checkout') === 'success', { timeout: 20_000 });
  await expect.poll(() => billingPage(page).getAttribute('data-phase'), { timeout: 20_000 }).toBe('subscribed');
  expect(await billingPage(page).getAttribute('data-plan')).toBe(name.toLowerCase());
  expect(await billingPage(page).innerText()).toContain(name);
  // The trial's remaining days were carried over: Stripe trials until then, the first invoice ($0) is paid.
  expect(await billingPage(page).innerText()).toMatch(/Your trial continues until .+; the first invoice comes then\./);
  await expect.poll(() => page.getByTestId('invoice-table').locator('[data-invoice-status="paid"]').count(), { timeout: 20_000 }).toBe(1);
  expect(await page.getByTestId('plan-chooser').count()).toBe(0);
  // Stripe trials until then (nothing charged yet): the badge says so instead of "Active".
  expect(await badge(page).locator('[data-status]').getAttribute('data-status')).toBe('trialing_plan');
  expect((await badge(page).innerText()).trim()).toBe(`Trial, then ${name}`);
  await screenshot(page, `${shot}-3-subscribed`);
}

async function openPortal(page: Page, shot: string): Promise<void> {
  await page.getByRole('button', { name: 'Manage billing' }).click();
  await page.waitForURL((url) => url.origin === fake.url && url.pathname.startsWith('/portal/'), { timeout: 20_000 });
  await screenshot(page, `${shot}-4-portal`);
}

async function returnFromPortal(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Return to WARA' }).click();
  await page.waitForURL((url) => url.pathname === '/app/billing' && url.searchParams.get('portal') === 'returned', { timeout: 20_000 });
}

describe('billing page', () => {
  it('desktop: trial → Checkout → Growth → portal → cancel at period end → shown', async () => {
    const { context, page } = await merchant({ width: 1280, height: 800 });
    await upgradeThroughCheckout(page, 'Growth', 'billing-desktop');
    // The Temporal UI is an operator tool: a merchant's page has no link to it.
    expect(await page.getByTestId('temporal-link').count()).toBe(0);

    await openPortal(page, 'billing-desktop');
    await page.getByRole('button', { name: 'Cancel subscription' }).click();
    await page.getByText(/Cancels on/).waitFor();
    await returnFromPortal(page);
    await page.getByTestId('cancels-on').waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('cancels-on').innerText()).toMatch(/Cancelled: your plan ends on .+, and AI replies with it\./);
    // Until then the plan stands: replies are not paused.
    expect(await billingPage(page).getAttribute('data-phase')).toBe('subscribed');
    expect(await page.getByTestId('replies-paused').count()).toBe(0);
    // The badge says it ends (and when), not "Active".
    await expect.poll(() => badge(page).locator('[data-status]').getAttribute('data-status'), { timeout: 20_000 }).toBe('cancels');
    expect((await badge(page).innerText()).trim()).toMatch(/^Ends [A-Z][a-z]{2} \d{1,2}$/);
    await screenshot(page, 'billing-desktop-5-cancelled');
    // Replies still run until the period's end: the dashboard home has no pause banner.
    await page.goto(`${stack.webUrl}/app`);
    await page.locator('.cards').first().waitFor({ timeout: 20_000 }); // the home page's cards: its data is in
    expect(await page.getByTestId('replies-paused').count()).toBe(0);
    await context.close();
  });

  it('phone: trial → Checkout → Starter → portal → cancel now → replies paused, and the page says why', async () => {
    const { context, page } = await merchant({ width: 390, height: 844 });
    await upgradeThroughCheckout(page, 'Starter', 'billing-phone');
    await openPortal(page, 'billing-phone');
    await page.getByRole('button', { name: 'Cancel now' }).click();
    await page.getByText(/Ended/).waitFor();
    await returnFromPortal(page);
    await expect.poll(() => billingPage(page).getAttribute('data-phase'), { timeout: 20_000 }).toBe('canceled');
    const banner = page.getByTestId('replies-paused');
    await banner.waitFor();
    expect(await banner.getAttribute('data-reason')).toBe('subscription_ended');
    expect(await banner.innerText()).toContain('your subscription has ended');
    // Choosing a plan again is offered.
    await page.getByTestId('plan-chooser').waitFor();
    // No trial left to keep: the note under the plans says a plan starts at once.
    const note = await page.getByTestId('checkout-note').innerText();
    expect(note).not.toContain('remaining days');
    expect(note).toContain('starts, and is charged, at once');
    expect((await badge(page).innerText()).trim()).toBe('Subscription ended');
    await screenshot(page, 'billing-phone-5-cancelled');
    // Nothing overflows sideways on a phone.
    expect(await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth')).toBeLessThanOrEqual(0);

    // The dashboard home says it too, with the way to the Billing page.
    await page.goto(`${stack.webUrl}/app`);
    const home = page.getByTestId('replies-paused');
    await home.waitFor({ timeout: 20_000 });
    expect(await home.getAttribute('data-reason')).toBe('subscription_ended');
    expect(await home.innerText()).toContain('your subscription has ended');
    await screenshot(page, 'billing-phone-6-home-paused');
    await home.getByRole('link', { name: 'Go to Billing' }).click();
    await page.waitForURL((url) => url.pathname === '/app/billing', { timeout: 20_000 });
    expect(await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth')).toBeLessThanOrEqual(0);
    await context.close();
  });

  it('the landing page lists the plans the API sells', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${stack.webUrl}/`);
    const pricing = page.getByTestId('pricing');
    for (const [code, text] of [['starter', '1,000'], ['growth', '5,000'], ['scale', '20,000']] as const) {
      expect(await pricing.locator(`[data-plan="${code}"]`).innerText()).toContain(`${text} AI replies a month`);
    }
    await pricing.screenshot({ path: (await screenshot(page, 'billing-landing-pricing')).replace(/\.png$/, '-section.png') });
    await page.close();
  });
});
