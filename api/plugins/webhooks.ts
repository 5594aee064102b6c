import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z, ZodError } from 'zod';
import { FixedWindowLimiter } from '../../lib/conversations/rate-limit.js';
import { createTenantResolver, type WebhookAddressing, type WebhookTenant } from '../../lib/conversations/tenant-resolver.js';
import { isDatabaseUnavailable, sqlPool } from '../../lib/db/sql.js';
import type { ApiContext } from '../deps.js';
import { HttpError } from '../errors.js';
import type { RouteReply, RouteRequest } from '../routes.js';
import { receiveInbound } from '../webhooks/inbound.js';
import { formBody, inboundParams, statusParams } from '../webhooks/params.js';
import { signatureOf, signedUrl, verifyTwilioSignature, type FormParams } from '../webhooks/signature.js';
import { createWebhookSpool, type ReplayOutcome, type SpooledWebhook, type WebhookSpool } from '../webhooks/spool.js';
import { receiveStatus } from '../webhooks/status.js';

/** A NUL or a lone UTF-16 surrogate: characters no stored identifier has (and Postgres/Prisma refuse in a query). */
const NOT_STORABLE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Empty TwiML: "received, nothing to say" — the reply goes out later through the API, not in this answer. */
const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';
const inbound = { schema: { body: formBody } };
// `m` is our message row's id. Fuzzing found (test/fuzz/webhooks-never-fail.test.ts): `?m=%00` reached the
// UPDATE and Postgres refused the NUL, a 500; no id of ours has one, so it is a 400 like any malformed query.
const messageRowId = z.string().max(64).refine((m) => !m.includes('\0'), 'must not contain a NUL character');
const status = { schema: { body: formBody, querystring: z.object({ m: messageRowId.optional() }) } };

/**
 * Twilio's webhooks: inbound WhatsApp/SMS messages and delivery status callbacks. No session, no CSRF:
 * the X-Twilio-Signature, verified with the tenant's own subaccount token, is the authentication.
 * Nothing is stored before it verifies.
 */
export function webhooksPlugin(ctx: ApiContext): FastifyPluginAsyncZod {
  const { env, prisma, credentials, relay } = ctx;
  const resolver = createTenantResolver(prisma, credentials);
  const limiter = new FixedWindowLimiter(env.WEBHOOK_RATE_LIMIT_PER_MINUTE);
  // The hot path (every inbound message, three status callbacks per reply) is plain SQL: see lib/db/sql.ts.
  const pool = sqlPool(prisma);

  /** The tenant this webhook is for, or 403 (unknown sender, missing or wrong signature). */
  async function authenticate(signed: Signed, params: FormParams, addressing: WebhookAddressing): Promise<WebhookTenant> {
    // Made only when refusing: an Error captures a stack trace, which was 4 % of the API's CPU per webhook.
    const forbidden = () => new HttpError(403, 'Invalid Twilio signature.', 'invalid_signature');
    if (!credentials) {
      // Without the key no tenant token can be read, so nothing can be verified: refuse, loudly in the log.
      signed.log.error('twilio webhook refused: SECRETS_ENCRYPTION_KEYS is not configured');
      throw forbidden();
    }
    const { signature } = signed;
    const url = signedUrl(env.SERVER_PUBLIC_URL, signed.path);
    if (!signature) throw forbidden();
    // Fuzzing found (test/fuzz/webhooks-never-fail.test.ts): a NUL in AccountSid (or the other two) made the
    // identifier lookup fail in Postgres, and a lone UTF-16 surrogate (a JSON body can carry one) made Prisma
    // fail to serialise it: a 500 for anyone sending any signature header. No identifier can hold either
    // character, so such a value names none: it is left out of the lookup.
    const lookup = identifiersOnly(addressing);
    let tenant = await resolver.resolve(lookup);
    if (tenant && verifyTwilioSignature(tenant.authToken, signature, url, params)) return limited(tenant);
    // The cached token may be stale (rotated in the last minute): one fresh look before refusing.
    tenant = await resolver.resolve(lookup, true);
    if (tenant && verifyTwilioSignature(tenant.authToken, signature, url, params)) return limited(tenant);
    signed.log.warn({ url: signed.path, accountSid: addressing.AccountSid }, 'twilio webhook refused: signature');
    throw forbidden();
  }

  function identifiersOnly(addressing: WebhookAddressing): WebhookAddressing {
    const keep = (v: string | undefined) => (v === undefined || NOT_STORABLE.test(v) ? undefined : v);
    return { AccountSid: keep(addressing.AccountSid), MessagingServiceSid: keep(addressing.MessagingServiceSid), To: keep(addressing.To) };
  }

  function limited(tenant: WebhookTenant): WebhookTenant {
    if (!limiter.take(tenant.tenantId)) throw new HttpError(429, 'Too many webhooks for this account; slow down.', 'rate_limited');
    return tenant;
  }

  const twiml = (reply: FastifyReply) => reply.code(200).type('text/xml').send(EMPTY_TWIML);
  const str = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

  /** The channel is in the sender's address (`whatsapp:+…` or `+…`), so both message routes share this. */
  async function storeMessage(signed: Signed, raw: FormParams): Promise<void> {
    const tenant = await authenticate(signed, raw, { AccountSid: str(raw.AccountSid), MessagingServiceSid: str(raw.MessagingServiceSid), To: str(raw.To) });
    await receiveInbound({ pool, relay }, tenant, inboundParams.parse(raw), raw);
  }

  async function storeStatus(signed: Signed, raw: FormParams, messageRow: string | undefined): Promise<void> {
    // Callbacks come from the subaccount that sent the message; its sid alone names the tenant.
    const tenant = await authenticate(signed, raw, { AccountSid: str(raw.AccountSid) });
    await receiveStatus(pool, tenant, statusParams.parse(raw), messageRow);
  }

  /** A kept webhook, run again: the same checks and the same idempotent writes as when it arrived. */
  async function replay(entry: SpooledWebhook, log: FastifyBaseLogger): Promise<ReplayOutcome> {
    const signed = { signature: entry.signature, path: entry.url, log };
    try {
      if (entry.route === 'status') {
        const m = status.schema.querystring.safeParse({ m: new URL(entry.url, 'http://x').searchParams.get('m') ?? undefined });
        if (!m.success) return 'drop';
        await storeStatus(signed, entry.params, m.data.m);
      } else {
        await storeMessage(signed, entry.params);
      }
      return 'done';
    } catch (err) {
      if (isDatabaseUnavailable(err)) return 'later';
      // Over the tenant's webhook rate: not lost, just not yet.
      if (err instanceof HttpError && err.statusCode === 429) return 'later';
      if (err instanceof HttpError || err instanceof ZodError) return 'drop';
      throw err;
    }
  }

  /** Runs a webhook; if the database is out of reach, keeps it for later and tells Twilio it is received. */
  async function storeOrKeep(
    spool: WebhookSpool | null,
    route: SpooledWebhook['route'],
    request: FastifyRequest,
    raw: FormParams,
    store: (signed: Signed) => Promise<void>,
  ): Promise<boolean> {
    const signed = { signature: signatureOf(request), path: request.url, log: request.log };
    try {
      await store(signed);
      return true;
    } catch (err) {
      // Only a signed request is worth keeping (an unsigned one would be refused on replay anyway).
      if (!spool || !isDatabaseUnavailable(err) || !signed.signature) throw err;
      if (!(await spool.keep({ route, url: request.url, signature: signed.signature, params: raw }))) throw err;
      return true;
    }
  }

  return async (app) => {
    const dir = env.WEBHOOK_SPOOL_DIR;
    const spool = dir
      ? createWebhookSpool({ dir, maxEntries: env.WEBHOOK_SPOOL_MAX_ENTRIES, replay: (entry) => replay(entry, app.log), log: app.log })
      : null;
    if (spool) {
      app.addHook('onReady', async () => spool.start());
      app.addHook('onClose', async () => spool.close());
    }
    app.post('/twilio/whatsapp', inbound, receiveWhatsApp);
    app.post('/twilio/sms', inbound, receiveSms);
    app.post('/twilio/status', status, receiveStatusCallback);

    async function receiveWhatsApp(request: RouteRequest<typeof inbound.schema>, reply: RouteReply<typeof inbound.schema>) {
      await storeOrKeep(spool, 'whatsapp', request, request.body, (signed) => storeMessage(signed, request.body));
      return twiml(reply);
    }

    async function receiveSms(request: RouteRequest<typeof inbound.schema>, reply: RouteReply<typeof inbound.schema>) {
      await storeOrKeep(spool, 'sms', request, request.body, (signed) => storeMessage(signed, request.body));
      return twiml(reply);
    }

    async function receiveStatusCallback(request: RouteRequest<typeof status.schema>, reply: RouteReply<typeof status.schema>) {
      await storeOrKeep(spool, 'status', request, request.body, (signed) => storeStatus(signed, request.body, request.query.m));
      return twiml(reply);
    }
  };
}

/** What Twilio signed: its signature header and our path + query as received. */
interface Signed {
  signature: string | null;
  path: string;
  /** The request's logger, or the app's for a replay. */
  log: FastifyBaseLogger;
}
