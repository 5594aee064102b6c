// The fake Twilio HTTP server: Twilio's REST paths (as the official SDK calls them once its URLs are
// rewritten to this server, see lib/twilio/client.ts) plus the /_control API for tests and demos.
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance } from 'fastify';
import type { FakeContext } from './context.js';
import { applyFault, pathMatches } from './faults.js';
import { authenticate, ControlError, sendTwilioError, TwilioApiError, twilioErrorBody, urlPath } from './http.js';
import { loadStateFile, StatePersister } from './persistence.js';
import { MessagePipeline } from './pipeline.js';
import { registerAccountRoutes } from './routes/accounts.js';
import { registerContentRoutes } from './routes/content.js';
import { registerControlActorRoutes } from './routes/control-actors.js';
import { registerControlSmsRoutes } from './routes/control-sms.js';
import { registerControlRoutes } from './routes/control.js';
import { registerMediaRoutes } from './routes/media.js';
import { registerMessageRoutes } from './routes/messages.js';
import { registerMessagingRoutes } from './routes/messaging.js';
import { registerPhoneNumberRoutes } from './routes/phone-numbers.js';
import { registerServiceNumberRoutes } from './routes/service-numbers.js';
import { FakeTwilioState, newSid } from './state.js';
import type { FakeConfig } from './types.js';
import { WebhookSender } from './webhooks.js';

export interface FakeTwilioOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  masterAccountSid: string;
  masterAuthToken: string;
  /** Default time a new sender takes to reach ONLINE on the fake clock (default 60 s). */
  senderOnlineAfterMs?: number;
  /** Base clock (ms since epoch); the control API can advance on top of it. */
  now?: () => number;
  /** Initial behaviour overrides (session window, status step delay, webhook retry policy). */
  config?: Partial<Omit<FakeConfig, 'senderOnlineAfterMs'>>;
  /** One line per request, without credentials or bodies. */
  log?: (line: string) => void;
  /**
   * Keep accounts, keys, senders, services, numbers, opt-outs, templates, clock offset and config
   * in this JSON file (mode 0600) so a restart keeps them; loaded at start when it exists.
   */
  stateFile?: string;
}

export interface FakeTwilio {
  url: string;
  port: number;
  state: FakeTwilioState;
  /** Resolves when no status progression or webhook delivery is pending. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const TWILIO_PREFIXES = ['/2010-04-01/', '/v1/', '/v2/'];

/**
 * Successful writes that change nothing the state file keeps: sends (the hot path), message
 * inspection and stepping, faults and outcomes. Inbound marks its own change (opt-out keywords).
 * Every other successful non-GET request schedules a save.
 */
const TRANSIENT_WRITES = [
  '/2010-04-01/Accounts/*/Messages.json',
  '/_control/messages/**',
  '/_control/inbound',
  '/_control/idle',
  '/_control/faults',
  '/_control/outcomes',
];

export function buildFakeTwilioApp(ctx: FakeContext, log?: (line: string) => void): FastifyInstance {
  const app = Fastify({ logger: false, forceCloseConnections: true });
  void app.register(formbody);
  const started = new WeakMap<object, bigint>();

  app.addHook('onRequest', async (req, reply) => {
    started.set(req, process.hrtime.bigint());
    const path = urlPath(req);
    if (!TWILIO_PREFIXES.some((p) => path.startsWith(p))) return;
    void reply.header('Twilio-Request-Id', newSid('RQ'));
    if (await applyFault(ctx.state, req, reply)) return reply;
    try {
      authenticate(ctx.state, req);
    } catch (err) {
      if (err instanceof TwilioApiError) return sendTwilioError(reply, err);
      throw err;
    }
  });

  app.addHook('onResponse', async (req, reply) => {
    if (req.method !== 'GET' && req.method !== 'HEAD' && reply.statusCode < 400) {
      const path = urlPath(req);
      if (!TRANSIENT_WRITES.some((p) => pathMatches(p, path))) ctx.state.markChanged();
    }
    if (!log) return;
    const t0 = started.get(req);
    const ms = t0 === undefined ? 0 : Number(process.hrtime.bigint() - t0) / 1e6;
    // Path only: query strings can carry phone numbers; credentials never appear in paths.
    log(`${req.method} ${urlPath(req)} -> ${reply.statusCode} (${ms.toFixed(1)} ms)`);
  });

  app.setErrorHandler(async (err, req, reply) => {
    if (err instanceof TwilioApiError) return sendTwilioError(reply, err);
    if (err instanceof ControlError) return reply.code(err.status).send({ error: err.error, message: err.message });
    const status = typeof (err as { statusCode?: unknown }).statusCode === 'number' ? (err as { statusCode: number }).statusCode : 500;
    if (urlPath(req).startsWith('/_control')) {
      return reply.code(status).send({ error: status >= 500 ? 'internal' : 'bad_request', message: (err as Error).message });
    }
    if (status < 500) return reply.code(status).send(twilioErrorBody(status, 20001, (err as Error).message));
    log?.(`error: ${(err as Error).message}`);
    return reply.code(500).send(twilioErrorBody(500, 20500, 'An internal server error has occurred'));
  });

  app.setNotFoundHandler(async (req, reply) => {
    const path = urlPath(req);
    if (path.startsWith('/_control')) return reply.code(404).send({ error: 'not_found', message: `No control route ${req.method} ${path}` });
    return reply.code(404).send(twilioErrorBody(404, 20404, `The requested resource ${path} was not found`));
  });

  registerAccountRoutes(app, ctx);
  registerMessagingRoutes(app, ctx);
  registerMessageRoutes(app, ctx);
  registerMediaRoutes(app, ctx);
  registerPhoneNumberRoutes(app, ctx);
  registerServiceNumberRoutes(app, ctx);
  registerContentRoutes(app, ctx);
  registerControlRoutes(app, ctx);
  registerControlActorRoutes(app, ctx);
  registerControlSmsRoutes(app, ctx);
  return app;
}

export async function startFakeTwilio(opts: FakeTwilioOptions): Promise<FakeTwilio> {
  if (!/^AC[0-9a-fA-F]{32}$/.test(opts.masterAccountSid)) throw new Error('masterAccountSid must be AC + 32 hex digits');
  if (!opts.masterAuthToken) throw new Error('masterAuthToken is required');
  const state = new FakeTwilioState({
    masterAccountSid: opts.masterAccountSid,
    masterAuthToken: opts.masterAuthToken,
    senderOnlineAfterMs: opts.senderOnlineAfterMs ?? 60_000,
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.config ? { config: opts.config } : {}),
  });
  let persister: StatePersister | null = null;
  if (opts.stateFile) {
    const warn = opts.log ?? ((line: string) => console.warn(`[fake-twilio] ${line}`));
    await loadStateFile(state, opts.stateFile, warn);
    persister = new StatePersister(state, opts.stateFile, warn);
    const p = persister;
    state.onChange = () => p.schedule();
  }
  const webhooks = new WebhookSender(state);
  const pipeline = new MessagePipeline(state, webhooks);
  const app = buildFakeTwilioApp({ state, webhooks, pipeline }, opts.log);
  const host = opts.host ?? '127.0.0.1';
  await app.listen({ port: opts.port ?? 0, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (opts.port ?? 0);
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    state,
    async idle() {
      await pipeline.idle();
      await webhooks.idle();
    },
    async close() {
      pipeline.close();
      webhooks.close();
      await app.close();
      await persister?.close();
    },
  };
}
