import Fastify, { type FastifyInstance } from 'fastify';
import type { z } from 'zod';
import type { meSchema } from '../../api/plugins/auth.js';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, type TestSession } from '../support/api.js';
import { launchBrowser, screenshot } from '../support/browser.js';
import { startWebServer, type WebServer } from '../support/web-server.js';
import { startWebStack, type WebStack } from '../support/web-stack.js';

/*
 * The dashboard's system status page in a real browser. The main flow runs on the real stack
 * (API, worker running the health-check workflow, web server), logged in as an operator. The
 * error-banner and proxy tests use a stand-in API (see `startStatusApiStandIn`): they exercise the
 * web app's handling of failures the real API does not produce on demand.
 */

type ComponentStatus = { name: string; status: 'up' | 'down' | 'degraded'; latencyMs: number | null; detail: string | null };
type Run = {
  workflowId: string;
  runId: string;
  status: 'ok' | 'degraded' | 'failed' | 'running';
  startedAt: string;
  finishedAt: string | null;
  components: ComponentStatus[];
  temporalUiUrl: string;
};
type StatusResponse = {
  api: { status: 'ok' | 'degraded' | 'down'; checkedAt: string; components: ComponentStatus[] };
  lastHealthCheck: Run | null;
  temporalUiBaseUrl: string;
};

let stack: WebStack;
let admin: TestSession;
let merchant: TestSession;
let standIn: StatusApiStandIn;
let standInWeb: WebServer;
let browser: Browser;

beforeAll(async () => {
  stack = await startWebStack('status');
  admin = await signUp(stack.api.app, { companyName: 'WARA Ops' });
  await stack.api.prisma.user.update({ where: { id: admin.userId }, data: { isAdmin: true } });
  merchant = await signUp(stack.api.app, { companyName: 'Plain Merchant' });
  standIn = await startStatusApiStandIn();
  standInWeb = await startWebServer({ apiUrl: standIn.url });
  console.log(`web dev servers ready in ${stack.web.startupMs} ms and ${standInWeb.startupMs} ms`);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await standInWeb?.close();
  await standIn?.close();
  await stack?.close();
});

async function openPage(viewport = { width: 1280, height: 860 }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  return { context, page };
}

/** A page on the real stack, logged in through the log-in page, which then opens `path`. */
async function openLoggedIn(session: TestSession, path: string, viewport?: { width: number; height: number }) {
  const opened = await openPage(viewport);
  const { page } = opened;
  await page.goto(`${stack.webUrl}${path}`);
  await page.waitForURL((url) => url.pathname === '/login');
  await page.getByLabel('Email').fill(session.email);
  await page.getByLabel('Password').fill(session.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(`${stack.webUrl}${path}`);
  return opened;
}

async function readStatusFromApi(): Promise<StatusResponse> {
  const response = await fetch(`${stack.apiUrl}/api/status`, { headers: { cookie: admin.cookie } });
  expect(response.status).toBe(200);
  return (await response.json()) as StatusResponse;
}

async function expectComponentRows(
  page: Page,
  region: string,
  components: ComponentStatus[],
  options: { latency: boolean } = { latency: true },
): Promise<void> {
  const rows = page.getByRole('region', { name: region }).locator('tbody tr');
  await expect.poll(() => rows.count()).toBe(components.length);
  for (const component of components) {
    const row = rows.filter({ has: page.getByRole('rowheader', { name: component.name, exact: true }) });
    expect(await row.locator('[data-status]').getAttribute('data-status')).toBe(component.status);
    if (options.latency) {
      const latency = component.latencyMs === null ? '—' : `${Math.round(component.latencyMs)} ms`;
      expect(await row.locator('td').nth(1).innerText()).toBe(latency);
    }
    if (component.detail) expect(await row.locator('td').nth(2).innerText()).toBe(component.detail);
  }
}

describe('system status page', () => {
  it('shows every component from the API, runs a health check on demand and shows its result', async () => {
    const { context, page } = await openLoggedIn(admin, '/app/status');
    await page.getByTestId('overall-status').waitFor();
    // Read after the page did: the live components are re-checked on every request.
    const before = await readStatusFromApi();
    expect(await page.getByTestId('overall-status').locator('[data-status]').getAttribute('data-status')).toBe(
      before.api.status,
    );
    // Latency of the live check differs between two requests; names and states do not.
    await expectComponentRows(page, 'Right now', before.api.components, { latency: false });
    if (before.lastHealthCheck) {
      await expectComponentRows(page, 'Last health-check workflow', before.lastHealthCheck.components);
      expect(await page.getByTestId('temporal-run-link').getAttribute('href')).toBe(before.lastHealthCheck.temporalUiUrl);
    }
    expect(await page.getByRole('navigation', { name: 'Dashboard' }).locator('a[aria-current="page"]').innerText()).toBe(
      'System status',
    );
    await screenshot(page, 'status-before');

    const started = page.waitForResponse(
      (response) => response.url().endsWith('/api/status/health-check') && response.request().method() === 'POST',
    );
    await page.getByRole('button', { name: 'Run health check now' }).click();
    const run = (await (await started).json()) as { workflowId: string; runId: string; temporalUiUrl: string };
    expect((await started).status()).toBe(202);

    // While the run is in flight the button is busy and a spinner explains why.
    await page.getByTestId('health-check-progress').waitFor();
    await expect.poll(() => page.getByRole('button', { name: 'Running health check…' }).isDisabled()).toBe(true);
    await screenshot(page, 'status-running');

    await page.locator(`[data-testid="health-check-run"][data-run-id="${run.runId}"]`).waitFor({ timeout: 45_000 });
    await page.getByTestId('health-check-progress').waitFor({ state: 'detached' });
    const after = await readStatusFromApi();
    expect(after.lastHealthCheck?.runId).toBe(run.runId);
    expect(after.lastHealthCheck?.finishedAt).not.toBeNull();

    expect(await page.getByTestId('temporal-run-link').getAttribute('href')).toBe(run.temporalUiUrl);
    await expectComponentRows(page, 'Last health-check workflow', after.lastHealthCheck!.components);
    expect(await page.getByTestId('health-check-run').locator('[data-status]').first().getAttribute('data-status')).toBe(
      after.lastHealthCheck!.status,
    );
    expect(await page.getByRole('button', { name: 'Run health check now' }).isEnabled()).toBe(true);
    expect(await page.getByRole('alert').count()).toBe(0);
    await screenshot(page, 'status-after');

    await context.close();
  });

  it('offers the health check only to operators: a merchant sees the status, not the button', async () => {
    const { context, page } = await openLoggedIn(merchant, '/app/status');
    await page.getByTestId('overall-status').waitFor();
    expect(await page.getByRole('button', { name: 'Run health check now' }).count()).toBe(0);
    await screenshot(page, 'status-merchant');
    await context.close();
  });

  it('fits a phone screen without horizontal scrolling', async () => {
    const { context, page } = await openLoggedIn(admin, '/app/status', { width: 390, height: 844 });
    await page.getByTestId('overall-status').waitFor();
    // A string keeps DOM types out of this Node-typed test file.
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, 'status-phone');
    await context.close();
  });

  it('shows a readable banner, not a blank page, when the API fails or answers nonsense', async () => {
    const { context, page } = await openPage();

    standIn.fault = 'server-error';
    await page.goto(`${standInWeb.url}/app/status`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.innerText()).toContain('HTTP 500');
    await screenshot(page, 'status-error');

    standIn.fault = 'malformed';
    await alert.getByRole('button', { name: 'Try again' }).click();
    await expect.poll(() => alert.innerText()).toContain('unexpected answer');

    standIn.fault = 'none';
    await alert.getByRole('button', { name: 'Try again' }).click();
    await page.getByTestId('overall-status').waitFor();
    await alert.waitFor({ state: 'detached' });

    await context.close();
  });
});

describe('the /api proxy of the web server', () => {
  it('forwards method, query, headers, cookies and a streamed body, and returns every set-cookie', async () => {
    const body = JSON.stringify({ text: 'x'.repeat(256 * 1024) });
    const response = await fetch(`${standInWeb.url}/api/echo?source=test&n=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: 'wara_session=before', 'x-request-id': 'req-42' },
      body,
    });

    expect(response.status).toBe(201);
    const echoed = (await response.json()) as Record<string, unknown>;
    expect(echoed).toMatchObject({
      method: 'POST',
      url: '/api/echo?source=test&n=1',
      cookie: 'wara_session=before',
      requestId: 'req-42',
      contentType: 'application/json',
      bodyLength: body.length,
      forwardedHost: new URL(standInWeb.url).host,
    });
    expect(response.headers.getSetCookie()).toEqual([
      'wara_session=fresh; Path=/; HttpOnly; SameSite=Lax',
      'wara_theme=calm; Path=/',
    ]);
  });

  it('keeps the session cookie first-party: the browser stores it and sends it back', async () => {
    const { context, page } = await openPage();
    await page.goto(`${standInWeb.url}/`);
    const status = await page.evaluate(async () => {
      const response = await fetch('/api/echo', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      return response.status;
    });
    expect(status).toBe(201);
    const cookies = await context.cookies(standInWeb.url);
    expect(cookies.find((c) => c.name === 'wara_session')).toMatchObject({ value: 'fresh', httpOnly: true });

    const echoed = await page.evaluate(async () => {
      const response = await fetch('/api/echo', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      return (await response.json()) as { cookie: string };
    });
    expect(echoed.cookie).toContain('wara_session=fresh');
    await context.close();
  });

  it('answers 502 with a readable message when the API is unreachable', async () => {
    const unreachable = await startWebServer({ apiUrl: 'http://127.0.0.1:9' });
    try {
      const response = await fetch(`${unreachable.url}/api/status`);
      expect(response.status).toBe(502);
      expect(await response.json()).toMatchObject({ error: 'api_unreachable' });
    } finally {
      await unreachable.close();
    }
  });
});

// --- API stand-in -------------------------------------------------------------------------------
// Serves the `/api/status` contract (and a logged-in operator on `/api/auth/me`, for the dashboard's
// guard) with faults on demand, for the tests that exercise the web app rather than the API. Its
// health check reports `running` for about two seconds, then finishes.

interface StatusApiStandIn {
  url: string;
  fault: 'none' | 'server-error' | 'malformed';
  close(): Promise<void>;
}

async function startStatusApiStandIn(): Promise<StatusApiStandIn> {
  const temporalUiBaseUrl = 'http://127.0.0.1:8233';
  const runUrl = (workflowId: string, runId: string) =>
    `${temporalUiBaseUrl}/namespaces/default/workflows/${encodeURIComponent(workflowId)}/${encodeURIComponent(runId)}/history`;
  const hourAgo = new Date(Date.now() - 60 * 60_000);

  const scheduled: Run = {
    workflowId: `health-check:scheduled:${hourAgo.toISOString()}`,
    runId: '5b0e6a3c-1f5d-4c55-9a0e-3c2f1f1a0001',
    status: 'degraded',
    startedAt: hourAgo.toISOString(),
    finishedAt: new Date(hourAgo.getTime() + 1_840).toISOString(),
    components: [
      { name: 'database', status: 'up', latencyMs: 4, detail: null },
      { name: 'temporal', status: 'up', latencyMs: 11, detail: 'server 1.29.1' },
      { name: 'twilio', status: 'degraded', latencyMs: 1_612, detail: 'answered slowly (1612 ms, limit 1000 ms)' },
      { name: 'openai', status: 'down', latencyMs: null, detail: 'no OPENAI_API_KEY configured; local stand-in unreachable' },
    ],
    temporalUiUrl: '',
  };
  scheduled.temporalUiUrl = runUrl(scheduled.workflowId, scheduled.runId);

  let lastRun: Run = scheduled;
  let manualRuns = 0;
  const state: StatusApiStandIn = { url: '', fault: 'none', close: async () => {} };

  const app: FastifyInstance = Fastify({ logger: false });

  // Typed by the API's own schema, so a new field there breaks this stand-in at build time, not at run time.
  app.get('/api/auth/me', async () => ({
    user: { id: 'user-ops', email: 'ops@wara.example', name: 'Ops', isAdmin: true, isOperator: true, emailVerified: true },
    tenant: { id: 'tenant-ops', name: 'WARA Ops', plan: 'trial', trialEndsAt: null },
  }) satisfies z.infer<typeof meSchema>);

  app.get('/api/status', async (_request, reply) => {
    if (state.fault === 'server-error') return reply.code(500).send({ error: 'internal', message: 'database timeout' });
    if (state.fault === 'malformed') return reply.send({ api: { status: 'fine' } });
    if (lastRun.finishedAt === null && Date.now() - Date.parse(lastRun.startedAt) > 2_000) {
      lastRun = {
        ...lastRun,
        status: 'ok',
        finishedAt: new Date().toISOString(),
        components: lastRun.components.map((c) => ({ ...c, status: 'up', latencyMs: 3 + c.name.length, detail: null })),
      };
    }
    const response: StatusResponse = {
      api: {
        status: 'ok',
        checkedAt: new Date().toISOString(),
        components: [
          { name: 'database', status: 'up', latencyMs: 3, detail: null },
          { name: 'temporal', status: 'up', latencyMs: 9, detail: 'server 1.29.1' },
        ],
      },
      lastHealthCheck: lastRun,
      temporalUiBaseUrl,
    };
    return response;
  });

  app.post('/api/status/health-check', async (_request, reply) => {
    const now = new Date();
    manualRuns += 1;
    const workflowId = `health-check:manual:${now.toISOString()}`;
    const runId = `9d3c1e7a-0b1c-4e0f-8a2b-${String(manualRuns).padStart(12, '0')}`;
    lastRun = {
      workflowId,
      runId,
      status: 'running',
      startedAt: now.toISOString(),
      finishedAt: null,
      components: scheduled.components.map((c) => ({ ...c, status: 'up', latencyMs: null, detail: null })),
      temporalUiUrl: runUrl(workflowId, runId),
    };
    return reply.code(202).send({ workflowId, runId, temporalUiUrl: lastRun.temporalUiUrl });
  });

  app.post('/api/echo', async (request, reply) => {
    const text = JSON.stringify(request.body);
    return reply
      .code(201)
      .header('set-cookie', ['wara_session=fresh; Path=/; HttpOnly; SameSite=Lax', 'wara_theme=calm; Path=/'])
      .send({
        method: request.method,
        url: request.url,
        cookie: request.headers.cookie ?? null,
        requestId: request.headers['x-request-id'] ?? null,
        contentType: request.headers['content-type'] ?? null,
        forwardedHost: request.headers['x-forwarded-host'] ?? null,
        bodyLength: text.length,
      });
  });

  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  state.url = address;
  state.close = () => app.close();
  return state;
}
