import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowIds } from '../../lib/temporal/names.js';
import { signUp } from '../support/api.js';
import { launchBrowser, screenshot } from '../support/browser.js';
import { startWebStack, type WebStack } from '../support/web-stack.js';

/*
 * A merchant's first visit, end to end on the real stack: landing page with campaign parameters,
 * sign-up, the dashboard (trial countdown, the welcome email the worker captured), log-out, log-in.
 * Nothing is stubbed: the browser talks to the web server, which proxies to the real API, whose
 * workflows run on a real worker.
 */

let stack: WebStack;
let browser: Browser;

beforeAll(async () => {
  stack = await startWebStack('accounts');
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

async function openPage(viewport = { width: 1280, height: 860 }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  return { context, page };
}

function pathOf(page: Page): string {
  const url = new URL(page.url());
  return url.pathname + url.search;
}

describe('accounts journey', () => {
  it('landing → sign up → dashboard with trial and welcome email → log out → log in', async () => {
    const { context, page } = await openPage();
    const email = `journey-${randomUUID().slice(0, 8)}@shop.example`;
    const password = 'teal kettle orbit 42';

    // Landing page, reached from a campaign link.
    await page.goto(`${stack.webUrl}/?utm_source=test&ref=abc`);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toContain('WhatsApp');
    expect(await page.getByText('14 days free').first().isVisible()).toBe(true);
    await screenshot(page, 'accounts-01-landing');

    const cta = page.getByRole('link', { name: 'Start free trial', exact: true });
    const ctaUrl = new URL((await cta.getAttribute('href')) ?? '', page.url());
    expect(ctaUrl.pathname).toBe('/signup');
    expect(Object.fromEntries(ctaUrl.searchParams)).toEqual({ utm_source: 'test', ref: 'abc' });
    await cta.click();
    await page.waitForURL((url) => url.pathname === '/signup');
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Start your free trial');
    // Google is not configured in tests: no button that would lead nowhere.
    expect(await page.getByRole('link', { name: 'Continue with Google' }).count()).toBe(0);

    // Sign up. The request is held for a moment so the pending state can be seen.
    await page.getByLabel('Shop or company name').fill('Journey Shoes');
    await page.getByLabel('Your name').fill('Jo Journey');
    await page.getByLabel('Work email').fill(email);
    await page.getByLabel('Password', { exact: true }).fill(password);
    // The submit button stays disabled until the page is live, so a password never goes into a URL.
    await expect.poll(() => page.getByRole('button', { name: 'Create account and start trial' }).isEnabled()).toBe(true);
    await screenshot(page, 'accounts-02-signup-filled');

    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/api/auth/signup', async (route) => {
      await held;
      await route.continue();
    });
    const signupResponse = page.waitForResponse((r) => r.url().endsWith('/api/auth/signup'));
    await page.getByRole('button', { name: 'Create account and start trial' }).click();
    const pendingButton = page.getByRole('button', { name: 'Creating your account…' });
    await pendingButton.waitFor();
    expect(await pendingButton.isDisabled()).toBe(true);
    await screenshot(page, 'accounts-03-signup-pending');
    release();

    const signedUp = await signupResponse;
    expect(signedUp.status()).toBe(201);
    const { user, tenant } = (await signedUp.json()) as { user: { id: string }; tenant: { id: string } };
    await page.unroute('**/api/auth/signup');

    // The dashboard: the shell knows who is logged in, the trial counts down from 14 days.
    await page.waitForURL(`${stack.webUrl}/app`);
    const account = page.getByRole('region', { name: 'Your account' });
    expect(await account.getByTestId('account-tenant').innerText()).toBe('Journey Shoes');
    expect(await account.getByTestId('account-email').innerText()).toBe(email);
    expect(await page.getByTestId('trial-days-left').innerText()).toBe('14 days left');
    expect(await page.getByRole('link', { name: /Choose a plan/ }).getAttribute('href')).toMatch(/\/app\/billing$/);
    expect(await page.getByTestId('catalog-count').innerText()).toBe('0 products');
    expect(await page.getByRole('region', { name: 'WhatsApp' }).locator('[data-status]').getAttribute('data-status')).toBe(
      'not_connected',
    );
    expect(await page.getByText('No conversations yet.').isVisible()).toBe(true);
    await screenshot(page, 'accounts-04-dashboard-first');

    // The welcome email comes from a workflow on the worker; the dashboard refreshes itself until
    // it is there (bounded by the wait below).
    const welcome = await stack.api.deps.temporal.workflow.getHandle(workflowIds.welcomeEmail(user.id)).result();
    expect(welcome).toBe('captured');
    const welcomeRow = page.getByTestId('outbox-email').filter({ hasText: 'Welcome to WARA' });
    await welcomeRow.waitFor({ timeout: 20_000 });
    expect(await welcomeRow.locator('[data-status]').getAttribute('data-status')).toBe('captured');
    expect(await welcomeRow.innerText()).toContain(`To ${email}`);
    expect(await page.getByRole('region', { name: 'Emails sent to you' }).innerText()).toContain(
      'no mail server (SMTP) is configured',
    );
    await screenshot(page, 'accounts-05-dashboard-welcome-email');

    // Where the merchant came from is stored on the tenant.
    const stored = await stack.api.prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id } });
    expect(stored.attribution).toEqual({ utm_source: 'test', ref: 'abc' });

    // Log out: back on the log-in page, and the dashboard is closed again.
    await account.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL((url) => url.pathname === '/login');
    expect(await page.getByRole('status').innerText()).toBe('You are logged out.');
    await screenshot(page, 'accounts-06-logged-out');

    await page.goto(`${stack.webUrl}/app`);
    await page.waitForURL((url) => url.pathname === '/login');
    expect(pathOf(page)).toBe('/login?next=%2Fapp');

    // Log in again: straight back to the dashboard.
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await expect.poll(() => page.getByRole('button', { name: 'Log in' }).isEnabled()).toBe(true);
    expect(await page.getByRole('status').innerText()).toBe('Log in to continue to your dashboard.');
    await screenshot(page, 'accounts-07-login-filled');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${stack.webUrl}/app`);
    expect(await page.getByTestId('trial-days-left').innerText()).toBe('14 days left');
    await page.getByTestId('outbox-email').filter({ hasText: 'Welcome to WARA' }).waitFor();
    await screenshot(page, 'accounts-08-dashboard-again');

    // The same dashboard on a phone: nothing wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, 'accounts-09-dashboard-phone');

    await context.close();
  });

  it('shows why a password is too weak, next to the password field', async () => {
    const { context, page } = await openPage();
    await page.goto(`${stack.webUrl}/signup`);
    await page.getByLabel('Shop or company name').fill('Weak Shop');
    await page.getByLabel('Work email').fill(`weak-${randomUUID().slice(0, 8)}@shop.example`);
    await page.getByLabel('Password', { exact: true }).fill('short');
    await page.getByRole('button', { name: 'Create account and start trial' }).click();

    const error = page.locator('#password-error');
    await error.waitFor();
    expect(await error.innerText()).toContain('Use at least 10 characters.');
    expect(await page.getByLabel('Password', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(pathOf(page)).toBe('/signup');
    await screenshot(page, 'accounts-10-signup-weak-password');
    await context.close();
  });

  it('shows the API’s message for a wrong password and stays on the log-in page', async () => {
    const existing = await signUp(stack.api.app);
    const { context, page } = await openPage();
    await page.goto(`${stack.webUrl}/login`);
    await page.getByLabel('Email').fill(existing.email);
    await page.getByLabel('Password').fill('not the right password');
    await page.getByRole('button', { name: 'Log in' }).click();

    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.innerText()).toBe('Email or password is incorrect.');
    expect(await page.getByRole('button', { name: 'Log in' }).isEnabled()).toBe(true);
    expect(pathOf(page)).toBe('/login');
    await screenshot(page, 'accounts-11-login-wrong-password');

    // The way back: links to sign-up and the home page.
    expect(await page.getByRole('link', { name: 'Start a free trial' }).isVisible()).toBe(true);
    expect(await page.getByRole('link', { name: 'Back to the home page' }).isVisible()).toBe(true);
    await context.close();
  });
});
