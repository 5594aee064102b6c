// A customer's message: stored once with its hand-off row (lib/conversations/inbound-store.ts), then handed
// to the relay, which signals the conversation's workflow after Twilio has its answer. Every delivery is
// handed off, duplicates included: if the first delivery was stored but its signal never went out, the
// retry is what wakes the workflow, and the workflow's seen-set (plus the reply's unique intent) makes the
// extra signals harmless. Except a duplicate of a settled message: one shed under load was never signalled,
// so the seen-set does not know it, and the merchant was told the AI would not answer it.
import type pg from 'pg';
import { parseTwilioAddress } from '../../lib/conversations/addresses.js';
import { storeInbound } from '../../lib/conversations/inbound-store.js';
import { optOutIntent, type OptOutIntent } from '../../lib/conversations/opt-out.js';
import type { WebhookTenant } from '../../lib/conversations/tenant-resolver.js';
import { HttpError } from '../errors.js';
import type { Relay } from './inbound-relay.js';
import { mediaOf, storable, type InboundParams } from './params.js';
import type { FormParams } from './signature.js';

export interface InboundDeps {
  pool: pg.Pool;
  relay: Relay;
}

export async function receiveInbound(deps: InboundDeps, tenant: WebhookTenant, params: InboundParams, raw: FormParams): Promise<{ duplicate: boolean }> {
  const from = parseTwilioAddress(params.From);
  if (!from) throw new HttpError(400, `From is not a phone number: ${params.From}`, 'invalid_request');
  // On SMS, Twilio's Advanced Opt-Out has already acted on a keyword and says which (`OptOutType`).
  const optOut = twilioOptOutType(raw.OptOutType) ?? optOutIntent(params.Body, from.channel);
  const { conversation, duplicate, settled } = await storeInbound(deps.pool, {
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
  // A duplicate of a settled message (answered, or left to the merchant with a reason) has nothing to wake.
  if (!settled) deps.relay.handOff({ key: params.MessageSid, signal: { kind: 'inbound', messageSid: params.MessageSid, optOut }, conversation });
  return { duplicate };
}

/** Twilio's `OptOutType` (STOP / START / HELP) on an inbound SMS it treated as a keyword. */
function twilioOptOutType(value: string | string[] | undefined): OptOutIntent | null {
  const type = (Array.isArray(value) ? value[0] : value)?.trim().toUpperCase();
  return type === 'STOP' ? 'stop' : type === 'START' ? 'start' : type === 'HELP' ? 'help' : null;
}
