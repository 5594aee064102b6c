// The fake Stripe HTTP server: Stripe's v1 REST paths as the official SDK calls them (point it here
// with `new Stripe(key, { host, port, protocol: 'http' })`), the hosted Checkout / portal / invoice
// pages, and the /_control API for tests and demos.
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { Billing } from './billing.js';
import { runDue } from './billing-clock.js';
import type { FakeStripeContext } from './context.js';
import { ControlError, StripeApiError, sendStripeError } from './errors.js';
import { EventLog } from './events.js';
import { assignOrigin, authenticate, originOf, urlPath } from './http.js';
import { IdempotencyStore } from './idempotency.js';
import { registerCheckoutPage } from './pages/checkout.js';
import { registerInvoicePage } from './pages/invoice.js';
import { registerPortalPage } from './pages/portal.js';
import { parseStripeForm, type Params } from './params.js';
import { StatePersister } from './persist.js';
import { registerCatalogRoutes } from './routes/catalog.js';
import { registerCheckoutRoutes } from './routes/checkout.js';
import { registerControlWebhookRoutes } from './routes/control-webhooks.js';
import { registerControlRoutes } from './routes/control.js';
import { registerCustomerRoutes } from './routes/customers.js';
import { registerEventRoutes } from './routes/events.js';
import { registerInvoiceRoutes } from './routes/invoices.js';
import { registerMeterRoutes } from './routes/meters.js';
import { registerSubscriptionRoutes } from './routes/subscriptions.js';
import { defaultConfig, FakeStripeState } from './state.js';
import type { FakeStripeConfig } from './types.js';
import { WebhookDispatcher } from './webhooks.js';

export interface FakeStripeOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** The only API key accepted (`sk_test_…`); anything else is a 401. */
  secretKey: string;
  /** Signs webhook deliveries (`whsec_…`). */
  webhookSecret: string;
  /** Where events are POSTed (also settable through the control API). */
  webhookUrl?: string;
  /** Base clock in ms since the epoch; the control API advances on top of it. */
  now?: () => number;
  /** When set, state is loaded from this JSON file at start and saved to it after each change. */
  stateFile?: string;
  /** Base URL of the hosted pages in `url` fields (default: the server's own URL). */
  publicUrl?: string;
  /** Initial behaviour (retry policy, dunning, business name); a control-API reset returns to it. */
  config?: Partial<FakeStripeConfig>;
  /** How often due billing work runs on its own (ms; it also runs on every request). Default 1000. */
  tickMs?: number;
  /** One line per request (method, path, status, duration); never keys or bodies. */
  log?: (line: string) => void;
}

export interface FakeStripe {
  url: string;
  port: number;
  state: FakeStripeState;
  /** Resolves when no webhook delivery is in flight or waiting for a retry. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const idemKeys = new WeakMap<FastifyRequest, { key: string; endpoint: string; params: Params }>();

export function buildFakeStripeApp(ctx: FakeStripeContext, secretKey: string, log?: (line: string) => void): FastifyInstance {
  const app = Fastify({ logger: false, forceCloseConnections: true, routerOptions: { querystringParser: (q: string) => parseStripeForm(q) } });
  // Stripe's bracketed form encoding, for the API and the hosted pages' forms alike.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, parseStripeForm(typeof body === 'string' ? body : body.toString('utf8')));
  });
  const started = new WeakMap<object, bigint>();
  const isApi = (req: FastifyRequest) => urlPath(req).startsWith('/v1/');

  app.addHook('onRequest', async (req, reply) => {
    started.set(req, process.hrtime.bigint());
    // Whatever fell due on the fake clock happens before the request sees the state.
    runDue(ctx.billing);
    if (!isApi(req)) return;
    const origin = assignOrigin(req);
    void reply.header('Request-Id', origin.id).header('Stripe-Version', req.headers['stripe-version'] ?? ctx.state.config.apiVersion);
    try {
      authenticate(req, secretKey);
    } catch (err) {
      if (err instanceof StripeApiError) return sendStripeError(reply, err, origin.id);
      throw err;
    }
  });

  app.addHook('preHandler', async (req, reply) => {
    const key = req.headers['idempotency-key'];
    if (req.method !== 'POST' || !isApi(req) || typeof key !== 'string' || !key) return;
    const params = (req.body && typeof req.body === 'object' ? req.body : {}) as Params;
    const endpoint = `${req.method} ${urlPath(req)}`;
    const seen = ctx.idempotency.check(key, endpoint, params, ctx.state.clock.now());
    if (seen.kind === 'replay') {
      return reply.code(seen.status).header('Idempotent-Replayed', 'true').header('Original-Request', seen.requestId).type('application/json').send(seen.body);
    }
    idemKeys.set(req, { key, endpoint, params });
  });

  app.addHook('onSend', async (req, reply, payload) => {
    const idem = idemKeys.get(req);
    if (idem && typeof payload === 'string') {
      idemKeys.delete(req);
      ctx.idempotency.finish(idem.key, idem.endpoint, idem.params, reply.statusCode, payload, originOf(req).id ?? '', ctx.state.clock.now());
    }
    return payload;
  });

  app.addHook('onResponse', async (req, reply) => {
    const idem = idemKeys.get(req);
    if (idem) ctx.idempotency.abandon(idem.key);
    // Any write may have changed the state: let the state file (if any) catch up.
    if (req.method !== 'GET' && reply.statusCode < 500) ctx.state.changed();
    if (!log) return;
    const t0 = started.get(req);
    const ms = t0 === undefined ? 0 : Number(process.hrtime.bigint() - t0) / 1e6;
    // Path only: query strings can carry emails; keys travel in headers and are never logged.
    log(`${req.method} ${urlPath(req)} -> ${reply.statusCode} (${ms.toFixed(1)} ms)`);
  });

  app.setErrorHandler(async (err, req, reply) => {
    if (err instanceof StripeApiError) return sendStripeError(reply, err, originOf(req).id);
    if (err instanceof ControlError) return reply.code(err.status).send({ error: err.error, message: err.message });
    const status = typeof (err as { statusCode?: unknown }).statusCode === 'number' ? (err as { statusCode: number }).statusCode : 500;
    const message = (err as Error).message;
    if (urlPath(req).startsWith('/_control')) return reply.code(status).send({ error: status >= 500 ? 'internal' : 'bad_request', message });
    if (status < 500) return sendStripeError(reply, new StripeApiError(status, 'invalid_request_error', message), originOf(req).id);
    log?.(`error: ${message}`);
    return sendStripeError(reply, new StripeApiError(500, 'api_error', 'An unknown error occurred'), originOf(req).id);
  });

  app.setNotFoundHandler(async (req, reply) => {
    const path = urlPath(req);
    if (path.startsWith('/_control')) return reply.code(404).send({ error: 'not_found', message: `No control route ${req.method} ${path}` });
    const msg = `Unrecognized request URL (${req.method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`;
    return sendStripeError(reply, new StripeApiError(404, 'invalid_request_error', msg), originOf(req).id);
  });

  registerCustomerRoutes(app, ctx);
  registerCatalogRoutes(app, ctx);
  registerMeterRoutes(app, ctx);
  registerCheckoutRoutes(app, ctx);
  registerSubscriptionRoutes(app, ctx);
  registerInvoiceRoutes(app, ctx);
  registerEventRoutes(app, ctx);
  registerCheckoutPage(app, ctx);
  registerPortalPage(app, ctx);
  registerInvoicePage(app, ctx);
  registerControlRoutes(app, ctx);
  registerControlWebhookRoutes(app, ctx);
  return app;
}

export async function startFakeStripe(opts: FakeStripeOptions): Promise<FakeStripe> {
  if (!opts.secretKey) throw new Error('secretKey is required');
  if (!opts.webhookSecret) throw new Error('webhookSecret is required');
  const initial = (): FakeStripeConfig => ({
    ...defaultConfig(),
    ...structuredClone(opts.config ?? {}),
    webhookUrls: opts.webhookUrl ? [opts.webhookUrl] : [...(opts.config?.webhookUrls ?? [])],
  });
  const state = new FakeStripeState(initial, opts.now);
  const persister = opts.stateFile ? new StatePersister(state, opts.stateFile, 50, opts.log) : null;
  if (persister) {
    persister.load();
    persister.attach();
  }
  const webhooks = new WebhookDispatcher(state, opts.webhookSecret);
  const events = new EventLog(state, webhooks);
  let baseUrl = opts.publicUrl?.replace(/\/+$/, '') ?? '';
  const rc = { state, publicUrl: () => baseUrl };
  const billing = new Billing(state, events, rc);
  const ctx: FakeStripeContext = { state, events, webhooks, billing, rc, idempotency: new IdempotencyStore() };
  const app = buildFakeStripeApp(ctx, opts.secretKey, opts.log);
  const host = opts.host ?? '127.0.0.1';
  await app.listen({ port: opts.port ?? 0, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (opts.port ?? 0);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (!baseUrl) baseUrl = url;
  // Due work also runs without requests (a trial ending while nobody calls the API).
  const tick = setInterval(() => runDue(billing), opts.tickMs ?? 1000);
  tick.unref();
  return {
    url,
    port,
    state,
    idle: () => webhooks.idle(),
    async close() {
      clearInterval(tick);
      webhooks.close();
      persister?.flush();
      await app.close();
    },
  };
}
