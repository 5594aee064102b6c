// A customer's message, stored by the webhook in ONE statement: the conversation (created or touched), the
// message (unique on MessageSid, so Twilio's retries and duplicates are no-ops) and its hand-off row for the
// relay (see api/webhooks/inbound-relay.ts). One statement is one transaction: either all three exist or none does, so
// a crash can never leave a stored message that no workflow will hear about.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Channel } from './addresses.js';
import { MESSAGE_SETTLED } from './settled.js';
import type { OptOutIntent } from './opt-out.js';
import { workflowIds } from '../temporal/names.js';

/** What the database knows of a conversation: enough to (re)start its workflow. */
export interface ConversationRow {
  id: string;
  tenantId: string;
  channel: Channel;
  customerAddress: string;
  aiPaused: boolean;
  optedOut: boolean;
  lastInboundAt: Date | null;
}

export interface InboundToStore {
  tenantId: string;
  accountId: string;
  channel: Channel;
  customerAddress: string;
  customerName: string | null;
  messageSid: string;
  body: string;
  media: Array<{ url: string; contentType: string | null }>;
  optOut: OptOutIntent | null;
}

export interface StoredInbound {
  conversation: ConversationRow;
  /** The MessageSid was already stored (a retry or a duplicate delivery). */
  duplicate: boolean;
  /** A duplicate of a message already answered or given a reason not to be: nothing to hand off. */
  settled: boolean;
}

// A duplicate still gets a hand-off row when its first delivery's was already relayed and deleted: the
// signal is then repeated, which the workflow's seen-set ignores. Not when the message is settled (answered,
// or a reason recorded why not): a duplicate of a message shed under load (`overloaded`, never signalled, so
// unknown to the seen-set) would otherwise be answered after the merchant was told it would not be. The
// subquery sees the table as it was before this statement, so a first delivery always gets its row.
const STORE_INBOUND = `
WITH settled AS (
  SELECT EXISTS (SELECT 1 FROM messages WHERE provider_message_sid = $10 AND ${MESSAGE_SETTLED}) AS yes
), conversation AS (
  INSERT INTO conversations AS c (id, tenant_id, account_id, channel, customer_address, customer_name, workflow_id,
                                  last_inbound_at, last_message_at, created_at, updated_at)
  VALUES ($1, $2, $3, $4::channel, $5, $6, $7, $8::timestamptz AT TIME ZONE 'UTC', $8::timestamptz AT TIME ZONE 'UTC',
          $8::timestamptz AT TIME ZONE 'UTC', $8::timestamptz AT TIME ZONE 'UTC')
  ON CONFLICT (tenant_id, channel, customer_address) DO UPDATE SET
    account_id = EXCLUDED.account_id, last_inbound_at = EXCLUDED.last_inbound_at, last_message_at = EXCLUDED.last_message_at,
    customer_name = coalesce(EXCLUDED.customer_name, c.customer_name), updated_at = EXCLUDED.updated_at
  RETURNING c.id, c.tenant_id, c.channel::text AS channel, c.customer_address, c.ai_paused, c.opted_out, c.last_inbound_at
), message AS (
  INSERT INTO messages (id, tenant_id, conversation_id, direction, provider_message_sid, body, media, status, source,
                        created_at, status_updated_at, updated_at)
  SELECT $9, $2, conversation.id, 'inbound', $10, $11, $12::jsonb, 'received', 'customer',
         $8::timestamptz AT TIME ZONE 'UTC', $8::timestamptz AT TIME ZONE 'UTC', $8::timestamptz AT TIME ZONE 'UTC'
  FROM conversation
  ON CONFLICT (provider_message_sid) DO NOTHING
  RETURNING id
), handoff AS (
  INSERT INTO inbound_handoffs (message_sid, tenant_id, conversation_id, opt_out, created_at)
  SELECT $10, $2, conversation.id, $13, $8::timestamptz AT TIME ZONE 'UTC' FROM conversation
  WHERE NOT (SELECT yes FROM settled)
  ON CONFLICT (message_sid) DO NOTHING
)
SELECT conversation.*, NOT EXISTS (SELECT 1 FROM message) AS duplicate, (SELECT yes FROM settled) AS settled FROM conversation`;

interface Row {
  id: string;
  tenant_id: string;
  channel: Channel;
  customer_address: string;
  ai_paused: boolean;
  opted_out: boolean;
  last_inbound_at: Date | null;
  duplicate: boolean;
  settled: boolean;
}

export async function storeInbound(pool: pg.Pool, inbound: InboundToStore, now = new Date()): Promise<StoredInbound> {
  const { rows } = await pool.query<Row>({
    // Named: prepared once per connection, then only bound and executed.
    name: 'store-inbound',
    text: STORE_INBOUND,
    values: [
      randomUUID(), inbound.tenantId, inbound.accountId, inbound.channel, inbound.customerAddress, inbound.customerName,
      workflowIds.conversation(inbound.tenantId, inbound.customerAddress), now, randomUUID(), inbound.messageSid, inbound.body,
      inbound.media.length > 0 ? JSON.stringify(inbound.media) : null, inbound.optOut,
    ],
  });
  const row = rows[0];
  if (!row) throw new Error(`storing inbound ${inbound.messageSid} returned no conversation`);
  return {
    conversation: {
      id: row.id,
      tenantId: row.tenant_id,
      channel: row.channel,
      customerAddress: row.customer_address,
      aiPaused: row.ai_paused,
      optedOut: row.opted_out,
      lastInboundAt: row.last_inbound_at,
    },
    duplicate: row.duplicate,
    settled: row.settled,
  };
}
