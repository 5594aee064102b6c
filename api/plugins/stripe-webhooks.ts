import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import Stripe from 'stripe';
import { storeStripeEvent } from '../../lib/billing/handoffs.js';
import { sqlPool } from '../../lib/db/sql.js';
import type { ApiContext } from '../deps.js';
import { HttpError } from '../errors.js';

/** Stripe's events are small; anything near this is not one. */
const BODY_LIMIT = 512 * 1024;

/** Events that can change what a tenant may do: the billing workflow re-reads Stripe on each. */
const RELEVANT = [/^customer\.subscription\./, /^invoice\./, /^checkout\.session\.completed$/];

/**
 * `POST /webhooks/stripe`: Stripe's events, verified with the official SDK over the raw body (this plugin
 * alone reads bodies as raw bytes), stored once per event id with a hand-off row in one statement, then the
 * tenant's billing workflow is signalled by the billing relay (which retries until Temporal takes it).
 * A bad signature or a stale timestamp is a 400 and stores nothing. The API never calls Stripe back: the
 * workflow re-reads the subscription in the worker, so the payload is only ever a nudge.
 */
export function stripeWebhooksPlugin(ctx: ApiContext): FastifyPluginAsync {
  const { env, prisma, billingRelay } = ctx;
  const pool = sqlPool(prisma);
  const refused = (message: string) => new HttpError(400, message, 'invalid_signature');

  return async (app) => {
    // The signature covers the exact bytes Stripe sent: no JSON parsing (or form decoding) before it is checked.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_request, body, done) => done(null, body));
    app.post('', receiveStripeEvent);
  };

  async function receiveStripeEvent(request: FastifyRequest, reply: FastifyReply) {
    const secret = env.STRIPE_WEBHOOK_SECRET;
    if (!secret) {
      request.log.error('stripe webhook refused: STRIPE_WEBHOOK_SECRET is not configured');
      throw new HttpError(400, 'Stripe webhooks are not configured on this server.', 'stripe_not_configured');
    }
    const signature = request.headers['stripe-signature'];
    if (typeof signature !== 'string' || !Buffer.isBuffer(request.body)) throw refused('Missing Stripe signature or body.');
    let event: Stripe.Event;
    try {
      // Checks the HMAC and that the signed timestamp is within Stripe's default 5 minutes (a replay is stale).
      event = Stripe.webhooks.constructEvent(request.body, signature, secret);
    } catch {
      request.log.warn('stripe webhook refused: signature or timestamp');
      throw refused('Invalid Stripe signature.');
    }
    if (!RELEVANT.some((pattern) => pattern.test(event.type))) return reply.code(200).send({ received: true });
    const tenantId = await tenantOf(event);
    if (!tenantId) {
      // Not one of ours (a shared Stripe account, a deleted tenant): acknowledged so Stripe stops retrying.
      request.log.warn({ eventId: event.id, type: event.type }, 'stripe event for an unknown customer; ignored');
      return reply.code(200).send({ received: true });
    }
    const handOff = await storeStripeEvent(pool, event, tenantId, randomUUID());
    if (handOff) billingRelay.handOff(handOff);
    return reply.code(200).send({ received: true });
  }

  /** The tenant by the event's Stripe customer (our subscriptions row); else by the tenant id we put in metadata. */
  async function tenantOf(event: Stripe.Event): Promise<string | null> {
    const object = event.data.object as { customer?: string | { id: string } | null; metadata?: Record<string, string> | null; client_reference_id?: string | null };
    const customer = typeof object.customer === 'string' ? object.customer : (object.customer?.id ?? null);
    const { rows } = await pool.query<{ tenant_id: string }>({
      name: 'stripe-webhook.tenant',
      text: `SELECT tenant_id FROM subscriptions WHERE stripe_customer_id = $1
             UNION ALL
             SELECT id FROM tenants WHERE id = $2 AND NOT EXISTS (SELECT 1 FROM subscriptions WHERE stripe_customer_id = $1)
             LIMIT 1`,
      values: [customer, object.metadata?.['tenantId'] ?? object.client_reference_id ?? null],
    });
    return rows[0]?.tenant_id ?? null;
  }
}
