import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cp, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, ConsoleMessage, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi } from '../support/api.js';
import { launchBrowser, screenshot } from '../support/browser.js';
import { startWebServer } from '../support/web-server.js';
import { startWebStack, type WebStack } from '../support/web-stack.js';
import { startTestWorker } from '../support/worker.js';
import { freePort, waitForPort } from '../../scripts/devstack/ports.js';

/*
 * Security headers on what the API answers (JSON routes, Twilio's webhooks) and on what the dashboard
 * serves (pages, and the /api answers it proxies), and a dashboard that still works under its
 * Content-Security-Policy: a browser walks the pages and the console must show no violation.
 */
let stack: WebStack;
let browser: Browser;

beforeAll(async () => {
  stack = await startWebStack('security-headers');
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

type HeaderBag = { get(name: string): string | null } | Record<string, string | string[] | number | undefined>;
const header = (headers: HeaderBag, name: string): string | null => {
  if (typeof headers.get === 'function') return (headers as { get(name: string): string | null }).get(name);
  const value = (headers as Record<string, unknown>)[name];
  return value === undefined ? null : String(value);
};

/** `default-src 'self'; script-src …` → { 'default-src': ["'self'"], … } */
function parseCsp(value: string | null, where = ''): Record<string, string[]> {
  expect(value, `Content-Security-Policy header ${where}`).toBeTruthy();
  return Object.fromEntries(
    value!
      .split(';')
      .map((directive) => directive.trim().split(/\s+/))
      .filter(([name]) => name)
      .map(([name, ...sources]) => [name!.toLowerCase(), sources]),
  );
}

function expectApiHeaders(headers: HeaderBag): void {
  expect(parseCsp(header(headers, 'content-security-policy'))).toEqual({ 'default-src': ["'none'"], 'frame-ancestors': ["'none'"] });
  expect(header(headers, 'x-frame-options')).toBe('DENY');
  expect(header(headers, 'x-content-type-options')).toBe('nosniff');
  expect(header(headers, 'referrer-policy')).toBeTruthy();
  expect(header(headers, 'x-powered-by')).toBeNull();
}

function expectDashboardHeaders(headers: HeaderBag, { https }: { https: boolean }): void {
  expect(header(headers, 'x-frame-options')).toBe('DENY');
  expect(header(headers, 'x-content-type-options')).toBe('nosniff');
  expect(header(headers, 'referrer-policy')).toBe('strict-origin-when-cross-origin');
  expect(header(headers, 'permissions-policy')).toMatch(/camera=\(\)/);
  if (https) expect(header(headers, 'strict-transport-security')).toMatch(/^max-age=\d{7,}/);
  else expect(header(headers, 'strict-transport-security')).toBeNull();
}

describe('API security headers', () => {
  it('a JSON route, a 404 and the liveness check carry a CSP that allows nothing, and no HSTS over http', async () => {
    for (const url of ['/api/auth/me', '/api/nope', '/livez']) {
      const res = await stack.api.app.inject({ method: 'GET', url });
      expectApiHeaders(res.headers);
      expect(res.headers['strict-transport-security'], url).toBeUndefined();
    }
  });

  it('a Twilio webhook answer carries them too', async () => {
    const res = await stack.api.app.inject({
      method: 'POST',
      url: '/webhooks/twilio/whatsapp',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'not-a-signature' },
      payload: new URLSearchParams({ MessageSid: 'SM1', AccountSid: 'AC1', From: 'whatsapp:+15550001', To: 'whatsapp:+15550002', Body: 'hi' }).toString(),
    });
    expect(res.statusCode).toBe(403);
    expectApiHeaders(res.headers);
  });

  it('sends HSTS when its public URL is https', async () => {
    const api = await startTestApi({ SERVER_PUBLIC_URL: 'https://api.wara.example' });
    try {
      const res = await api.app.inject({ method: 'GET', url: '/livez' });
      expect(res.headers['strict-transport-security']).toMatch(/^max-age=31536000/);
      expectApiHeaders(res.headers);
    } finally {
      await api.close();
    }
  });
});

describe('dashboard security headers', () => {
  it('pages carry the CSP from kit.csp (with a nonce for Kit’s own script) and the other headers', async () => {
    for (const path of ['/', '/login', '/signup', '/no-such-page']) {
      const res = await fetch(`${stack.webUrl}${path}`, { redirect: 'manual' });
      expect(res.status, path).toBe(path === '/no-such-page' ? 404 : 200);
      expectDashboardHeaders(res.headers, { https: false });
      const csp = parseCsp(res.headers.get('content-security-policy'), `of ${path} (${res.status})`);
      expect(csp['default-src'], path).toEqual(["'self'"]);
      expect(csp['script-src']?.[0], path).toBe("'self'");
      expect(csp['script-src']?.slice(1).every((source) => /^'nonce-[\w+/=-]+'$/.test(source)), path).toBe(true);
      expect(csp['script-src'], path).not.toContain("'unsafe-inline'");
      expect(csp['img-src'], path).toEqual(["'self'", 'data:']);
      expect(csp['connect-src'], path).toEqual(["'self'"]);
      expect(csp['object-src'], path).toEqual(["'none'"]);
      expect(csp['frame-ancestors'], path).toEqual(["'none'"]);
      expect(csp['base-uri'], path).toEqual(["'self'"]);
      expect(csp['form-action'], path).toEqual(["'self'"]);
      expect(csp['style-src-attr'], path).toEqual(["'unsafe-inline'"]);
      await res.arrayBuffer();
    }
  });

  it('redirects carry the headers too (a dashboard page without a session)', async () => {
    const res = await fetch(`${stack.webUrl}/app/catalog`, { redirect: 'manual' });
    expect(res.status).toBeGreaterThanOrEqual(300);
    expect(res.status).toBeLessThan(400);
    expectDashboardHeaders(res.headers, { https: false });
    await res.arrayBuffer();
  });

  it('proxied /api answers keep the API’s own headers, stricter where they differ', async () => {
    const res = await fetch(`${stack.webUrl}/api/auth/me`);
    expect(res.status).toBe(401);
    expectApiHeaders(res.headers);
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('permissions-policy')).toMatch(/camera=\(\)/);
    await res.arrayBuffer();
  });

  it('sends HSTS when the dashboard’s public URL is https', async () => {
    const previous = process.env.WEB_PUBLIC_URL;
    process.env.WEB_PUBLIC_URL = 'https://dash.wara.example';
    const web = await startWebServer({ apiUrl: stack.apiUrl });
    try {
      const res = await fetch(`${web.url}/login`);
      expectDashboardHeaders(res.headers, { https: true });
      await res.arrayBuffer();
    } finally {
      await web.close();
      if (previous === undefined) delete process.env.WEB_PUBLIC_URL;
      else process.env.WEB_PUBLIC_URL = previous;
    }
  });
});

describe('the dashboard works under its CSP', () => {
  it('in the dev server: sign-up and every section, no CSP violation', async () => {
    expect(await walkDashboard(stack.webUrl)).toEqual([]);
  });

  // `vite dev` relaxes the policy (inline <style> allowed, for Vite's CSS injection): the built
  // dashboard under adapter-node is what merchants get, so it is walked too.
  it('in the production build: the same walk, no CSP violation, the same headers', async () => {
    const production = await startProductionDashboard();
    try {
      const res = await fetch(`${production.webUrl}/login`);
      expectDashboardHeaders(res.headers, { https: false });
      const csp = parseCsp(res.headers.get('content-security-policy'), 'of the built /login');
      expect(csp['style-src']?.[0]).toBe("'self'");
      expect(csp['style-src']).not.toContain("'unsafe-inline'");
      expect(csp['script-src']).not.toContain("'unsafe-inline'");
      await res.arrayBuffer();
      // As behind the TLS-terminating proxy it runs behind: adapter-node takes the request's scheme from
      // PROTOCOL_HEADER, else assumes https (and Kit's CSRF check would then refuse a plain-http log-out).
      expect(await walkDashboard(production.webUrl, { 'x-forwarded-proto': 'http' })).toEqual([]);
    } finally {
      await production.close();
    }
  });
});

/** Signs up in the browser and opens every section (client-side, then a full load); returns what went wrong. */
async function walkDashboard(webUrl: string, extraHTTPHeaders: Record<string, string> = {}): Promise<string[]> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 }, extraHTTPHeaders });
  const problems = await watchForCspViolations(page);
  try {
    await page.goto(`${webUrl}/?utm_source=csp`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    await page.goto(`${webUrl}/signup`);
    await page.getByLabel('Shop or company name').fill('CSP Shop');
    await page.getByLabel('Work email').fill(`csp-${randomUUID().slice(0, 8)}@shop.example`);
    await page.getByLabel('Password', { exact: true }).fill('a sensible passphrase');
    await expect.poll(() => page.getByRole('button', { name: 'Create account and start trial' }).isEnabled()).toBe(true);
    await page.getByRole('button', { name: 'Create account and start trial' }).click();
    await page.waitForURL(`${webUrl}/app`);
    await page.getByTestId('trial-days-left').waitFor();

    for (const path of ['/app/whatsapp', '/app/catalog', '/app/conversations', '/app/status', '/app/billing', '/app']) {
      await page.getByRole('navigation').locator(`a[href$="${path}"]`).first().click();
      await page.waitForURL(`${webUrl}${path}`);
      await page.waitForLoadState('networkidle');
      await page.reload();
      await page.waitForLoadState('networkidle');
    }
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL((url) => url.pathname === '/login');
    await page.waitForLoadState('networkidle');
    return await problems.found();
  } catch (error) {
    // A walk that could not finish: say where, and what the browser complained about on the way.
    await screenshot(page, `security-headers-walk-failed-${new URL(webUrl).port}`).catch(() => undefined);
    throw new Error(`${String(error)}\nat ${page.url()}\nbrowser problems:\n${(await problems.found()).join('\n')}`, { cause: error });
  } finally {
    await page.close();
  }
}

/**
 * The dashboard built for production (`vite build`, adapter-node) from a copy of web/ (so the build
 * touches nothing a running dev server or type check uses), served by `node build` in front of an API
 * and a worker of its own (the API's origin check must know the dashboard's origin).
 */
async function startProductionDashboard(): Promise<{ webUrl: string; close(): Promise<void> }> {
  const repo = path.resolve(import.meta.dirname, '../..');
  const dir = path.join(repo, 'test-results', `.dashboard-build-${randomUUID().slice(0, 8)}`);
  const webDir = path.join(dir, 'web');
  const skip = new Set(['build', '.svelte-kit', '.vite', '.vite-test', '.vite-temp']);
  await cp(path.join(repo, 'web'), webDir, { recursive: true, filter: (source) => !skip.has(path.basename(source)) });
  const cleanups: Array<() => Promise<unknown>> = [() => rm(dir, { recursive: true, force: true })];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    await run(process.execPath, [path.join(repo, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], webDir);

    const port = await freePort();
    const webUrl = `http://127.0.0.1:${port}`;
    const api = await startTestApi({ WEB_PUBLIC_URL: webUrl, TEMPORAL_TASK_QUEUE: `web-csp-${randomUUID().slice(0, 8)}` });
    cleanups.push(() => api.close());
    const apiUrl = await api.app.listen({ host: '127.0.0.1', port: 0 });
    const worker = await startTestWorker(api.deps.env);
    cleanups.push(() => worker.stop());

    const server = spawn(process.execPath, [path.join(webDir, 'build')], {
      env: { ...process.env, API_URL: apiUrl, HOST: '127.0.0.1', PORT: String(port), PROTOCOL_HEADER: 'x-forwarded-proto', ORIGIN: webUrl, WEB_PUBLIC_URL: '' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
    cleanups.push(async () => {
      if (server.exitCode === null) server.kill('SIGTERM');
      await exited;
    });
    await waitForPort(port, '127.0.0.1', 30_000);
    return { webUrl, close };
  } catch (error) {
    await close();
    throw error;
  }
}

function run(command: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr}`))));
  });
}

interface Violation {
  directive: string;
  blocked: string;
  source: string;
  line: number;
  column: number;
  sample: string;
}

/** Console errors, page errors and `securitypolicyviolation` events, from every document the page loads. */
async function watchForCspViolations(page: Page): Promise<{ found(): Promise<string[]> }> {
  const problems: string[] = [];
  const violations: Violation[] = [];
  page.on('console', (message: ConsoleMessage) => {
    const text = message.text();
    if (/Content Security Policy|Content-Security-Policy|Refused to/i.test(text)) problems.push(`console: ${text}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  await page.exposeFunction('reportCspViolation', (violation: Violation) => void violations.push(violation));
  // A string, not a function: this file is type-checked without the DOM library.
  await page.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (event) => window.reportCspViolation({
      directive: event.effectiveDirective, blocked: event.blockedURI, source: event.sourceFile,
      line: event.lineNumber, column: event.columnNumber, sample: event.sample,
    }));`,
  });
  return {
    async found() {
      const unexpected: string[] = [];
      // Any violation fails: zod's eval probe is switched off in web/src/hooks.client.ts (jitless).
      for (const v of violations) {
        unexpected.push(`violation: ${v.directive} blocked ${v.blocked || 'inline'} at ${v.source}:${v.line}:${v.column} ${v.sample}`);
      }
      return [...problems, ...unexpected];
    },
  };
}

