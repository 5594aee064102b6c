import { z } from 'zod';
import { parseKeyring } from '../crypto/keyring.js';

/**
 * Every setting WARA reads from the environment, validated once at start-up so a bad value stops the
 * process with a message naming the variable, instead of failing later at the first call that needs it.
 * Provider credentials are optional: without them the run command points the real SDKs at local stand-ins.
 */
const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const port = z.coerce.number().int().min(1).max(65535);
const httpUrl = z.url({ protocol: /^https?$/ });

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),

  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_UI_URL: httpUrl.default('http://127.0.0.1:8233'),
  /** TLS to the Temporal server (implied by any of the files or an API key below). */
  TEMPORAL_TLS: booleanFlag.default(false),
  /** PEM files: the server's CA (when not publicly trusted), and a client pair for mTLS. */
  TEMPORAL_TLS_CA_FILE: z.string().min(1).optional(),
  TEMPORAL_TLS_CERT_FILE: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY_FILE: z.string().min(1).optional(),
  /** An API key (Temporal Cloud, or a cluster with an authorizer). */
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  /** Tests give each file its own queue on the shared dev server so workers never steal each other's tasks. */
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('wara-main'),

  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: port.default(3000),
  /** Public URL Twilio calls back on; signatures are computed over it, so it must match exactly. */
  SERVER_PUBLIC_URL: httpUrl.default('http://127.0.0.1:3000'),
  WEB_PUBLIC_URL: httpUrl.default('http://127.0.0.1:5173'),

  /**
   * Which peers may tell us the client's address (X-Forwarded-For): a hop count (`1`) or a comma-separated
   * list of addresses/CIDRs or proxy-addr names (`loopback`, `10.0.0.0/8`). The default trusts only this
   * host, where the dashboard runs in dev; a client's own X-Forwarded-For is never taken from anyone else.
   */
  TRUST_PROXY: z
    .string()
    .regex(/^(\d+|[\w.:/]+(,\s*[\w.:/]+)*)$/, 'a hop count, or addresses/CIDRs separated by commas')
    .default('loopback')
    .transform((v): number | string[] => (/^\d+$/.test(v) ? Number(v) : v.split(',').map((p) => p.trim()))),

  /** Who may read /metrics and the detailed /health without an operator session: addresses, CIDRs or `loopback`. */
  INTERNAL_NETWORKS: z
    .string()
    .default('loopback')
    .transform((v) => v.split(',').map((p) => p.trim()).filter(Boolean)),
  /** A bearer token a Prometheus scraper outside INTERNAL_NETWORKS may send for /metrics. */
  METRICS_TOKEN: z.string().min(16).optional(),

  /**
   * Signs links WARA sends (email verification): at least 32 characters of randomness. Required in
   * production; `npm run dev` generates one into .data/; unset elsewhere, a per-process one is used (links
   * then die with the process).
   */
  APP_SECRET: z.string().min(32, 'use at least 32 random characters').optional(),

  TRIAL_DAYS: z.coerce.number().int().min(1).max(90).default(14),
  /** Attempts per minute per client on sign-up / log-in; generous for people, tight for scripts. */
  AUTH_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(10),
  /** Failed log-ins for one email within 15 minutes, from anywhere, before that email is refused for a while. */
  LOGIN_FAILURES_PER_ACCOUNT: z.coerce.number().int().min(1).default(10),
  GOOGLE_CLIENT_ID: z.string().min(1).optional(),
  GOOGLE_CLIENT_SECRET: z.string().min(1).optional(),
  // Google's OAuth endpoints; overridable so tests (which have no internet) can use a stand-in.
  GOOGLE_AUTH_URL: httpUrl.default('https://accounts.google.com/o/oauth2/v2/auth'),
  GOOGLE_TOKEN_URL: httpUrl.default('https://oauth2.googleapis.com/token'),
  GOOGLE_USERINFO_URL: httpUrl.default('https://openidconnect.googleapis.com/v1/userinfo'),
  EMAIL_FROM: z.string().min(3).default('WARA <hello@wara.local>'),

  TWILIO_ACCOUNT_SID: z.string().regex(/^AC[0-9a-f]{32}$/, 'must look like AC followed by 32 hex digits').optional(),
  TWILIO_AUTH_TOKEN: z.string().min(16, 'looks too short for a Twilio auth token').optional(),
  /** Set only for local stand-ins; unset means the real Twilio API. */
  TWILIO_API_BASE_URL: httpUrl.optional(),
  TWILIO_EMBEDDED_SIGNUP_ENABLED: booleanFlag.default(false),
  TWILIO_EMBEDDED_SIGNUP_BASE_URL: httpUrl.optional(),
  /**
   * Master keys for tenant secrets at rest (AES-256-GCM): `id:base64(32 bytes)[,id:base64…]`, the first is
   * current, the rest only decrypt until rotated out. Required in production; the dev stack generates one.
   */
  SECRETS_ENCRYPTION_KEYS: z
    .string()
    .superRefine((spec, ctx) => {
      try {
        parseKeyring(spec);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    })
    .optional(),

  OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_BASE_URL: httpUrl.optional(),
  OPENAI_MODEL: z.string().min(1).default('gpt-4o-mini'),
  /** Per completion call; Temporal retries the reply draft with backoff, then a fallback answer goes out. */
  OPENAI_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(20_000),
  /** A burst of customer messages within this quiet period gets one answer. 0 answers each at once. */
  REPLY_QUIET_PERIOD_MS: z.coerce.number().int().min(0).max(60_000).default(2000),
  /**
   * How a conversation runs each reply: `child` = its own `reply:{sid}` workflow (its own run in the Temporal
   * UI), `inline` = the same steps inside the conversation's run, ~3× less Temporal work per reply (see
   * README "Replies: child or inline"). Fixed per conversation run when it starts, so flipping it is safe.
   */
  REPLY_WORKFLOW: z.enum(['child', 'inline']).default('inline'),
  /** An SMS AI reply is cut to fit in this many segments (GSM-7 or UCS-2, counted as carriers bill them). */
  SMS_REPLY_MAX_SEGMENTS: z.coerce.number().int().min(1).max(10).default(3),
  /** How long one Twilio send may take; a send left unanswered is looked up after twice this before any resend. */
  TWILIO_SEND_TIMEOUT_MS: z.coerce.number().int().min(500).max(60_000).default(10_000),
  /** Broadcast rate per WhatsApp sender (Twilio's default WhatsApp throughput is 80 messages per second). */
  BROADCAST_WHATSAPP_RATE_PER_SECOND: z.coerce.number().min(0.1).max(1000).default(80),
  /** Broadcast rate per SMS number (a US long code sends 1 segment per second); times the tenant's SMS numbers. */
  BROADCAST_SMS_RATE_PER_SECOND: z.coerce.number().min(0.1).max(1000).default(1),
  /** Approved WhatsApp template sent outside the 24-hour window; unset means "do not send, record why". */
  WHATSAPP_TEMPLATE_CONTENT_SID: z.string().regex(/^HX[0-9a-fA-F]{32}$/, 'must look like HX followed by 32 hex digits').optional(),
  /**
   * A catalog upload holds a database connection while its file arrives: it must keep arriving at this rate
   * (averaged over each window) and finish within the deadline, or it is stopped with a 408.
   */
  CATALOG_UPLOAD_MIN_BYTES_PER_SECOND: z.coerce.number().int().min(1).default(16 * 1024),
  CATALOG_UPLOAD_RATE_WINDOW_MS: z.coerce.number().int().min(100).default(10_000),
  CATALOG_UPLOAD_DEADLINE_MS: z.coerce.number().int().min(1_000).default(15 * 60_000),
  /**
   * Run the hand-off relay (its Temporal calls and sweeper) in a worker thread of its own, off the event
   * loop that acknowledges webhooks. Tests turn it off where they build many short-lived APIs.
   */
  RELAY_THREAD: booleanFlag.default(true),
  /**
   * Customer messages of one merchant the relay lets into Temporal at once (handed to their conversation
   * and not yet answered or settled). The rest wait in the hand-off table, oldest first, so one merchant's
   * burst cannot fill Temporal's queues ahead of every other merchant's customers. Per API instance; grown
   * by as many again per second of REPLY_QUIET_PERIOD_MS (a turn waiting out the quiet period costs nothing):
   * 18 with the 2 s default, about 8 replies/s for one merchant per API instance. 6 kept four quiet shops'
   * p99 under 1 s beside a 200 messages/s burst on 2 cores (bench/README.md "Noisy neighbour"); 16 did not.
   */
  RELAY_TURNS_PER_TENANT: z.coerce.number().int().min(1).max(10_000).default(6),
  /**
   * Customer messages of one merchant that may wait for a turn; past it a new message is kept but not
   * answered by the AI (marked `overloaded`, shown to the merchant), so a merchant's wait stays bounded.
   */
  RELAY_BACKLOG_PER_TENANT: z.coerce.number().int().min(1).max(1_000_000).default(2000),
  /**
   * Conversation runs (and so their activities and replies) carry the tenant as Temporal fairness key: with
   * the server's fairness on, one merchant's burst cannot queue every other merchant's replies behind it.
   * Off only to measure the difference (bench/webhooks.ts --noisy).
   */
  TEMPORAL_FAIRNESS: booleanFlag.default(true),
  /** Inbound + status webhooks accepted per tenant per minute (Twilio's bursts fit well below it). */
  WEBHOOK_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(6000),
  /** Where Twilio webhooks wait while the database is unreachable (api/webhooks/spool.ts); unset: answer 503. */
  WEBHOOK_SPOOL_DIR: z.string().min(1).optional(),
  WEBHOOK_SPOOL_MAX_ENTRIES: z.coerce.number().int().min(1).default(10_000),

  /**
   * Billing (worker only: the API never holds it). Unset: no Stripe customer, checkout or usage reporting
   * (the trial, its reminders and the reply limits still run). `npm run dev` points it at the local stand-in.
   */
  STRIPE_SECRET_KEY: z.string().min(1).optional(),
  /** Set only for a stand-in (fakes/stripe): the SDK's host, port and protocol are taken from it. */
  STRIPE_API_BASE_URL: httpUrl.optional(),
  /** Verifies `POST /webhooks/stripe` (the API only); unset, every Stripe webhook is refused with 400. */
  STRIPE_WEBHOOK_SECRET: z.string().min(1).optional(),
  /** After a failed payment, AI replies keep going this many days (a durable timer) before they pause. */
  BILLING_GRACE_DAYS: z.coerce.number().int().min(0).max(60).default(7),

  /** How often the analytics-refresh Temporal Schedule runs (seconds); a change updates the schedule at worker start. */
  ANALYTICS_REFRESH_INTERVAL_SECONDS: z.coerce.number().int().min(10).max(3600).default(60),
  /** Events per refresh transaction: a backlog is worked through in chunks of this size. */
  ANALYTICS_REFRESH_CHUNK_EVENTS: z.coerce.number().int().min(100).max(1_000_000).default(50_000),
  /** The health check calls analytics degraded, and alerts once, when the rollups lag more than this; 0 = not checked. */
  ANALYTICS_STALE_AFTER_MINUTES: z.coerce.number().int().min(0).max(7 * 24 * 60).default(15),

  SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
  SLACK_WEBHOOK_URL: httpUrl.optional(),
  ALERT_EMAIL_TO: z.email().optional(),

  /**
   * The ops page may test credentials typed into it, without saving them (dev/staging). Unset: on in
   * development, off elsewhere (lib/config/ops.ts); production refuses `true`.
   */
  ALLOW_TEMPORARY_CREDENTIALS: booleanFlag.optional(),
  /** The worker's Prometheus endpoint (`host:port`, or `off`). Unset: 127.0.0.1:9464 in development, off elsewhere. */
  WORKER_METRICS_ADDRESS: z
    .string()
    .regex(/^(off|[\w.-]+:\d{1,5}|\[[0-9a-fA-F:]+\]:\d{1,5})$/, 'host:port (e.g. 0.0.0.0:9464) or off')
    .optional(),
  /**
   * Reply tasks the worker runs at once (workflow tasks / activities). What the worker has taken but not run
   * waits in the worker in arrival order; what it has not taken waits in Temporal, where tasks are handed out
   * fairly across tenants. Lower keeps the wait fair when replies are CPU-bound; higher suits slow model calls.
   */
  WORKER_MAX_WORKFLOW_TASKS: z.coerce.number().int().min(2).max(1000).default(40),
  WORKER_MAX_ACTIVITIES: z.coerce.number().int().min(1).max(2000).default(100),
  /** node_exporter's textfile collector directory: the health check writes wara_health.prom there. */
  HEALTH_TEXTFILE_DIR: z.string().min(1).optional(),
  /** Error tracking (Sentry or a compatible ingest): nothing is sent unless this is set. */
  SENTRY_DSN: z.url({ protocol: /^https?$/ }).optional(),
  SENTRY_ENVIRONMENT: z.string().min(1).optional(),
  SENTRY_RELEASE: z.string().min(1).optional(),
});

export type Env = z.infer<typeof envSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; empty strings count as unset so `FOO=` in a .env file means "default". */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    );
  }
  const env = parsed.data;
  // Every problem at once: whoever deploys fixes the configuration in one go, not one restart per variable.
  const problems: string[] = [];
  if (Boolean(env.TEMPORAL_TLS_CERT_FILE) !== Boolean(env.TEMPORAL_TLS_KEY_FILE)) {
    problems.push('TEMPORAL_TLS_CERT_FILE and TEMPORAL_TLS_KEY_FILE must be set together (the mTLS client pair)');
  }
  if (Boolean(env.TWILIO_ACCOUNT_SID) !== Boolean(env.TWILIO_AUTH_TOKEN)) {
    problems.push('TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must be set together');
  }
  if (env.NODE_ENV === 'production' && !env.APP_SECRET) {
    problems.push('APP_SECRET is required in production (it signs the links in verification emails)');
  }
  if (env.NODE_ENV === 'production' && env.ALLOW_TEMPORARY_CREDENTIALS) {
    problems.push('ALLOW_TEMPORARY_CREDENTIALS cannot be on in production (typed-in credentials are for dev and staging)');
  }
  if (env.NODE_ENV === 'production' && !env.SECRETS_ENCRYPTION_KEYS) {
    problems.push('SECRETS_ENCRYPTION_KEYS is required in production (tenant Twilio secrets are encrypted with it)');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return env;
}
