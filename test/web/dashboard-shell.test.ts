import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot } from '../support/browser.js';
import { startWebStack, type WebStack } from '../support/web-stack.js';

/*
 * The public landing page and the dashboard shell, on the real stack (the shell needs a session).
 */

const sections = [
  { label: 'Home', path: '/app' },
  { label: 'WhatsApp', path: '/app/whatsapp' },
  { label: 'Catalog', path: '/app/catalog' },
  { label: 'Conversations', path: '/app/conversations' },
  { label: 'Broadcasts', path: '/app/broadcasts' },
  { label: 'SMS', path: '/app/sms' },
  { label: 'Agent', path: '/app/agent' },
  { label: 'Analytics', path: '/app/analytics' },
  { label: 'Billing', path: '/app/billing' },
  { label: 'Audit log', path: '/app/audit' },
  { label: 'System status', path: '/app/status' },
];

/** Sections whose features land in later issues: they must say so rather than show made-up data. */
const NOT_BUILT_YET = new Set<string>([]);

let stack: WebStack;
let web: { url: string };
let browser: Browser;

beforeAll(async () => {
  stack = await startWebStack('shell');
  web = { url: stack.webUrl };
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe('dashboard shell', () => {
  it('landing page explains WARA and leads to sign-up', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await page.goto(`${web.url}/`);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toContain('WhatsApp');
    const cta = page.getByRole('link', { name: 'Start free trial' });
    // Server-rendered links are relative (`./signup`); what matters is where they lead.
    expect(new URL((await cta.getAttribute('href')) ?? '', page.url()).pathname).toBe('/signup');
    await screenshot(page, 'landing');
    await cta.click();
    await page.waitForURL(`${web.url}/signup`);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Start your free trial');
    await page.close();
  });

  it('navigates every section; pages not built yet say so instead of showing made-up data', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await page.goto(`${web.url}/signup`);
    await page.getByLabel('Shop or company name').fill('Shell Shop');
    await page.getByLabel('Work email').fill(`shell-${Date.now()}@shop.example`);
    await page.getByLabel('Password', { exact: true }).fill('a sensible passphrase');
    await page.getByRole('button', { name: 'Create account and start trial' }).click();
    await page.waitForURL(`${web.url}/app`);
    const nav = page.getByRole('navigation', { name: 'Dashboard' });
    expect(await nav.getByRole('link').allInnerTexts()).toEqual(sections.map((s) => s.label));

    for (const section of sections.filter((s) => s.label !== 'System status')) {
      await nav.getByRole('link', { name: section.label, exact: true }).click();
      await page.waitForURL(`${web.url}${section.path}`);
      expect(await nav.locator('a[aria-current="page"]').innerText()).toBe(section.label);
      if (NOT_BUILT_YET.has(section.label)) {
        expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe(section.label);
        expect(await page.getByText('Coming soon', { exact: true }).isVisible()).toBe(true);
      } else {
        expect(await page.getByText('Coming soon', { exact: true }).count()).toBe(0);
      }
    }
    await screenshot(page, 'shell-audit-log');
    await page.close();
  });
});
