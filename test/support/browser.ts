import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type APIRequestContext, type Browser, type Page } from 'playwright-core';
import { EmailVerifier } from '../../lib/auth/email-verification.js';
import { TEST_APP_SECRET } from './api.js';

/** Where screenshots land; CI keeps `test-results/` as an artifact. */
export const screenshotDir = path.resolve(import.meta.dirname, '../../test-results/screenshots');

/**
 * Launches the system Chromium headless. Playwright gives each launch a fresh temporary profile;
 * the flags keep the browser from reaching out to the network on its own.
 */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** Writes a full-page PNG to `test-results/screenshots/<name>.png` and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export interface SignedUp {
  user: { id: string; email: string };
  tenant: { id: string };
  csrfToken: string;
}

/**
 * Signs a merchant up through the dashboard's proxy and follows the confirmation link (signed with the tests'
 * APP_SECRET exactly as the worker signs the one it emails): connecting WhatsApp, buying numbers and paying all
 * need a confirmed address. The context keeps the session cookie.
 */
export async function signUpConfirmed(
  request: APIRequestContext,
  baseUrl: string,
  data: { email: string; password: string; name: string; companyName: string },
): Promise<SignedUp> {
  const signup = await request.post(`${baseUrl}/api/auth/signup`, { data });
  if (signup.status() !== 201) throw new Error(`sign-up failed: ${signup.status()} ${await signup.text()}`);
  const body = (await signup.json()) as SignedUp;
  const token = new EmailVerifier(TEST_APP_SECRET).sign({ userId: body.user.id, email: body.user.email, expiresAt: Date.now() + 60_000 });
  const verified = await request.post(`${baseUrl}/api/auth/verify-email`, { data: { token }, headers: { 'x-csrf-token': body.csrfToken } });
  if (verified.status() !== 200) throw new Error(`verify-email failed: ${verified.status()} ${await verified.text()}`);
  return body;
}
