// "May we message this customer on this channel?" has one answer, kept on one row: the customer's conversation
// (tenant + channel + number). Opting in is recorded explicitly with its source and time (the merchant's
// records, or the customer's own START); opting out is what STOP, a request in words or Twilio's 21610 records,
// and it wins until the customer opts back in themselves. Replies check `opted_out`; broadcasts check both.
import type pg from 'pg';
import type { Channel } from '../conversations/addresses.js';
import { workflowIds } from '../temporal/names.js';

/** The condition, on `conversations c`, for "may receive messages we start" (broadcasts). */
export const MAY_MESSAGE = 'c.opted_in_at IS NOT NULL AND NOT c.opted_out';

/** How a merchant obtained consent (recorded with it); `keyword` is the customer's own START / YES / UNSTOP. */
export const OPT_IN_SOURCES = ['website_form', 'checkout', 'in_store', 'import', 'verbal', 'other', 'keyword'] as const;
export type OptInSource = (typeof OPT_IN_SOURCES)[number];
/** The sources a merchant may state; `keyword` only the customer's own message records. */
export const MERCHANT_OPT_IN_SOURCES = OPT_IN_SOURCES.filter((s) => s !== 'keyword');

export type OptOutSource = 'keyword' | 'words' | 'carrier';

/** The consent columns an opt-out change writes (lib/conversations/opt-out-store.ts, in its transaction). */
export function consentChange(optedOut: boolean, via: 'keyword' | 'words', at: Date): { optOutSource: string | null } | { optedInAt: Date; optInSource: OptInSource; optOutSource: null } {
  // START is the customer opting in, in their own words: the freshest consent there is.
  return optedOut ? { optOutSource: via } : { optedInAt: at, optInSource: 'keyword', optOutSource: null };
}

export interface OptInRecord {
  /** E.164 */
  phone: string;
  firstName: string | null;
  tags: string[];
}

export interface RecordOptIns {
  tenantId: string;
  /** The tenant's Twilio connection, if any (the conversation's `account_id`). */
  accountId: string | null;
  channel: Channel;
  source: OptInSource;
  /** When the customer consented (the merchant's record), defaulting to now. */
  consentedAt: Date;
  customers: OptInRecord[];
}

export interface OptInsRecorded {
  /** New customers (no conversation before). */
  added: number;
  /** Existing customers now opted in, or whose name or tags were updated. */
  updated: number;
  /** Customers who opted out: only they can opt back in (START), so their consent is not overwritten. */
  refused: string[];
}

// One statement for the whole list. An opted-out customer keeps their opt-out and their old consent record; an
// existing opt-in keeps its first source and time (the evidence); names fill in, tags add up.
const UPSERT_OPT_INS = `
INSERT INTO conversations AS c (id, tenant_id, account_id, channel, customer_address, workflow_id, opted_in_at, opt_in_source,
                                first_name, tags, created_at, updated_at)
SELECT gen_random_uuid()::text, $1, $2, $3::channel, r.address, r.workflow_id, $4::timestamptz AT TIME ZONE 'UTC', $5, r.first_name,
       r.tags, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
FROM jsonb_to_recordset($6::jsonb) AS r(address text, workflow_id text, first_name text, tags text[])
ON CONFLICT (tenant_id, channel, customer_address) DO UPDATE SET
  opted_in_at = CASE WHEN c.opted_out THEN c.opted_in_at ELSE coalesce(c.opted_in_at, EXCLUDED.opted_in_at) END,
  opt_in_source = CASE WHEN c.opted_out THEN c.opt_in_source ELSE coalesce(c.opt_in_source, EXCLUDED.opt_in_source) END,
  first_name = coalesce(EXCLUDED.first_name, c.first_name),
  tags = ARRAY(SELECT DISTINCT t FROM unnest(c.tags || EXCLUDED.tags) AS t ORDER BY t),
  updated_at = EXCLUDED.updated_at
RETURNING (xmax = 0) AS inserted, c.opted_out AS "optedOut", c.customer_address AS address`;

export async function recordOptIns(pool: pg.Pool, input: RecordOptIns): Promise<OptInsRecorded> {
  const unique = new Map<string, OptInRecord>();
  for (const c of input.customers) unique.set(c.phone, c);
  const rows = [...unique.values()].map((c) => {
    const address = input.channel === 'whatsapp' ? `whatsapp:${c.phone}` : c.phone;
    return { address, workflow_id: workflowIds.conversation(input.tenantId, address), first_name: c.firstName, tags: c.tags };
  });
  if (rows.length === 0) return { added: 0, updated: 0, refused: [] };
  const { rows: out } = await pool.query<{ inserted: boolean; optedOut: boolean; address: string }>({
    name: 'consent.record-opt-ins',
    text: UPSERT_OPT_INS,
    values: [input.tenantId, input.accountId, input.channel, input.consentedAt, input.source, JSON.stringify(rows)],
  });
  return {
    added: out.filter((r) => r.inserted).length,
    updated: out.filter((r) => !r.inserted && !r.optedOut).length,
    refused: out.filter((r) => r.optedOut).map((r) => r.address.replace(/^whatsapp:/, '')),
  };
}

/**
 * Twilio refused a send with 21610: the carrier (Twilio's Advanced Opt-Out) has this customer opted out of
 * this number. Recorded as an opt-out, so nothing automated is tried again until they text START. Returns
 * whether this changed anything (the caller audits it once).
 */
export async function markOptedOutByCarrier(pool: pg.Pool, conversationId: string): Promise<{ changed: boolean; tenantId: string | null }> {
  const { rows } = await pool.query<{ tenantId: string }>({
    name: 'consent.opted-out-by-carrier',
    text: `UPDATE conversations SET opted_out = true, opted_out_at = now() AT TIME ZONE 'UTC', opt_out_source = 'carrier',
             updated_at = now() AT TIME ZONE 'UTC'
           WHERE id = $1 AND NOT opted_out
           RETURNING tenant_id AS "tenantId"`,
    values: [conversationId],
  });
  return { changed: rows.length > 0, tenantId: rows[0]?.tenantId ?? null };
}
