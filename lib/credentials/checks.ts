// One check per provider: does this credential work, now, against the endpoint WARA would use? Each makes
// one read-only call (Slack: one call that posts nothing, see checkSlack) and answers ok / failed with the
// provider's own reason and the time it took. The credentials are arguments: the configured ones (env) or
// temporary ones typed on the ops page, which live only for the call.
import nodemailer from 'nodemailer';
import OpenAI from 'openai';
import Stripe from 'stripe';
import { createTwilioClient } from '../twilio/client.js';

export const CREDENTIAL_PROVIDERS = ['twilio', 'openai', 'stripe', 'smtp', 'slack'] as const;
export type CredentialProvider = (typeof CREDENTIAL_PROVIDERS)[number];

export interface CredentialCheckResult {
  provider: CredentialProvider;
  /** What was tested: `master account AC…`, `subaccount AC… of <tenant>`, `temporary key`, a host. */
  target: string;
  status: 'ok' | 'failed' | 'not_configured';
  latencyMs: number | null;
  /** Why it failed (the provider's words), or what the provider said when it worked. */
  reason: string | null;
}

/** A single call gets this long: a provider slower than that is not usable for replies anyway. */
export const CHECK_TIMEOUT_MS = 10_000;

export interface TwilioCheck {
  accountSid: string;
  /** Master credentials… */
  authToken?: string;
  /** …or a tenant's API key, acting on `accountSid` (its subaccount). */
  apiKey?: { sid: string; secret: string };
  baseUrl?: string;
}

/**
 * Master credentials: fetches the account itself (proves the credentials, not just that Twilio answers).
 * A tenant's API key cannot read the Accounts resource (Twilio keeps standard keys off /Accounts and
 * /Keys), so it lists one message instead: the resource every send for that shop uses.
 */
export async function checkTwilio(input: TwilioCheck, target: string): Promise<CredentialCheckResult> {
  return timed('twilio', target, async () => {
    const transport = { timeoutMs: CHECK_TIMEOUT_MS, ...(input.baseUrl ? { baseUrl: input.baseUrl } : {}) };
    if (input.apiKey) {
      const client = createTwilioClient({ accountSid: input.accountSid, apiKey: input.apiKey.sid, apiSecret: input.apiKey.secret, ...transport });
      await client.api.v2010.accounts(input.accountSid).messages.list({ limit: 1 });
      return `API key ${input.apiKey.sid} can read the subaccount's messages`;
    }
    const client = createTwilioClient({ accountSid: input.accountSid, authToken: input.authToken ?? '', ...transport });
    const account = await client.api.v2010.accounts(input.accountSid).fetch();
    return `account ${account.status}`;
  });
}

export async function checkOpenAI(input: { apiKey: string; baseURL?: string }, target: string): Promise<CredentialCheckResult> {
  return timed('openai', target, async () => {
    const openai = new OpenAI({ apiKey: input.apiKey, baseURL: input.baseURL, maxRetries: 0, timeout: CHECK_TIMEOUT_MS });
    const models = await openai.models.list();
    return `${models.data.length} models`;
  });
}

/** Lists one customer: read-only, proves the key, and needs the permission billing uses anyway. */
export async function checkStripe(input: { secretKey: string; apiBaseUrl?: string }, target: string): Promise<CredentialCheckResult> {
  return timed('stripe', target, async () => {
    const base = input.apiBaseUrl ? new URL(input.apiBaseUrl) : null;
    const stripe = new Stripe(input.secretKey, {
      maxNetworkRetries: 0,
      timeout: CHECK_TIMEOUT_MS,
      telemetry: false,
      ...(base ? { host: base.hostname, port: Number(base.port || (base.protocol === 'https:' ? 443 : 80)), protocol: base.protocol === 'https:' ? 'https' : 'http' } : {}),
    });
    await stripe.customers.list({ limit: 1 });
    return input.secretKey.startsWith('sk_live_') ? 'live mode' : 'test mode';
  });
}

/** Connects, greets and logs in (nodemailer's verify): no email is sent. */
export async function checkSmtp(input: { url: string }, target: string): Promise<CredentialCheckResult> {
  return timed('smtp', target, async () => {
    const transport = nodemailer.createTransport(input.url, {
      connectionTimeout: CHECK_TIMEOUT_MS,
      greetingTimeout: CHECK_TIMEOUT_MS,
      socketTimeout: CHECK_TIMEOUT_MS,
    } as Parameters<typeof nodemailer.createTransport>[1]);
    try {
      await transport.verify();
    } finally {
      transport.close();
    }
    return 'connected and logged in';
  });
}

/**
 * Slack incoming webhooks have no read-only call, and a test that posts would put a message in the alert
 * channel every time someone clicks "test". So this posts a payload with no text: Slack refuses it without
 * posting anything, and how it refuses tells a live webhook (400 `no_text` / `invalid_payload`) from a
 * revoked or mistyped one (403 `invalid_token`, 404 `no_service`, 410 `channel_is_archived`…). A receiver
 * that accepts the empty payload (2xx) also counts as working. Posting a visible message is what the test
 * alert (lib/alerts/test-alert.ts) is for.
 */
export async function checkSlack(input: { webhookUrl: string }, target: string, fetchImpl: typeof fetch = fetch): Promise<CredentialCheckResult> {
  return timed('slack', target, async () => {
    const res = await fetchImpl(input.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
      signal: AbortSignal.timeout(CHECK_TIMEOUT_MS),
    });
    const text = (await res.text().catch(() => '')).trim().slice(0, 200);
    if (res.ok) return `webhook accepted an empty payload (${res.status})`;
    if (res.status === 400 && /no_text|invalid_payload|missing_text/i.test(text)) return 'webhook is live (nothing was posted)';
    throw new Error(`Slack answered ${res.status}${text ? `: ${text}` : ''}`);
  });
}

async function timed(provider: CredentialProvider, target: string, check: () => Promise<string>): Promise<CredentialCheckResult> {
  const started = performance.now();
  try {
    const reason = await check();
    return { provider, target, status: 'ok', latencyMs: Math.round(performance.now() - started), reason };
  } catch (err) {
    return { provider, target, status: 'failed', latencyMs: Math.round(performance.now() - started), reason: providerReason(err) };
  }
}

/** The provider's own words: its error code and message, one line, never a stack or a request. */
export function providerReason(err: unknown): string {
  if (!(err instanceof Error)) return String(err).slice(0, 300);
  const e = err as Error & { code?: unknown; status?: unknown; statusCode?: unknown; type?: unknown };
  const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : null;
  const code = typeof e.code === 'number' || (typeof e.code === 'string' && e.code !== '') ? String(e.code) : null;
  const message = (e.message.split('\n')[0] ?? '').trim() || e.name;
  const prefix = [status !== null ? `HTTP ${status}` : null, code && !message.includes(code) ? `code ${code}` : null].filter(Boolean).join(', ');
  const line = prefix ? `${prefix}: ${message}` : message;
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

export function notConfigured(provider: CredentialProvider, reason: string): CredentialCheckResult {
  return { provider, target: 'configured credentials', status: 'not_configured', latencyMs: null, reason };
}
