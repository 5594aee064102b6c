// A customer's message: stored once with its hand-off row (lib/conversations/inbound-store.ts), then handed
// to the relay, which signals the conversation's workflow after Twilio has its answer. Every delivery is
// handed off, duplicates included: if the first delivery was stored but its signal never went out, the
// retry is what wakes the workflow, and the workflow's seen-set (plus the reply's unique intent) makes the
// extra signals harmless.
import type pg from 'pg';
import { parseTwilioAddress } from '../../lib/conversations/addresses.js';
import { storeInbound } from '../../lib/conversations/inbound-store.js';
import { optOutIntent } from '../../lib/conversations/opt-out.js';
import type { WebhookTenant } from '../../lib/conversations/tenant-resolver.js';
import { HttpError } from '../errors.js';
import type { InboundRelay } from './inbound-relay.js';
import { mediaOf, type InboundParams } from './params.js';
import type { FormParams } from './signature.js';

export interface InboundDeps {
  pool: pg.Pool;
  relay: InboundRelay;
}

export async function receiveInbound(deps: InboundDeps, tenant: WebhookTenant, params: InboundParams, raw: FormParams): Promise<{ duplicate: boolean }> {
  const from = parseTwilioAddress(params.From);
  if (!from) throw new HttpError(400, `From is not a phone number: ${params.From}`, 'invalid_request');
  const optOut = optOutIntent(params.Body);
  const { conversation, duplicate } = await storeInbound(deps.pool, {
    tenantId: tenant.tenantId,
    accountId: tenant.accountId,
    channel: from.channel,
    customerAddress: from.address,
    customerName: params.ProfileName === undefined ? null : storable(params.ProfileName),
    messageSid: params.MessageSid,
    body: storable(params.Body),
    media: mediaOf(raw, params.NumMedia).map((m) => ({ url: storable(m.url), contentType: m.contentType === null ? null : storable(m.contentType) })),
    optOut,
  });
  deps.relay.handOff({ key: params.MessageSid, signal: { kind: 'inbound', messageSid: params.MessageSid, optOut }, conversation });
  return { duplicate };
}

/**
 * Text as Postgres can store it. Fuzzing found (test/fuzz/webhooks-never-fail.test.ts) that a signed message
 * with a NUL in its Body, ProfileName or a MediaUrlN (or, in a JSON body, a lone UTF-16 surrogate in a media
 * field, which JSON.stringify escapes and jsonb refuses) failed the insert: a 500, and the message lost. Such a
 * character is kept as U+FFFD, what Postgres' own UTF-8 conversion makes of a lone surrogate in text.
 */
function storable(text: string): string {
  const wellFormed = Buffer.from(text, 'utf8').toString('utf8');
  return wellFormed.includes('\0') ? wellFormed.replaceAll('\0', '\uFFFD') : wellFormed;
}
