// The dashboard's view of broadcasts: response shapes (zod, so the API's types and its validation are one thing)
// and the reads behind the list, the progress page and its recipient table.
import type pg from 'pg';
import { z } from 'zod';
import type { RecipientCounts } from './recipients.js';

export const countsSchema = z.object({
  total: z.number(),
  pending: z.number(),
  sent: z.number(),
  delivered: z.number(),
  failed: z.number(),
  skipped: z.number(),
});

export const BROADCAST_STATUSES = ['draft', 'scheduled', 'running', 'paused', 'completed', 'cancelled', 'failed'] as const;

export const broadcastSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  channel: z.enum(['whatsapp', 'sms']),
  status: z.enum(BROADCAST_STATUSES),
  scheduledAt: z.string().nullable(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  createdAt: z.string(),
  ratePerSecond: z.number().nullable(),
  counts: countsSchema,
  lastError: z.string().nullable(),
});

export const progressSchema = z.object({
  phase: z.enum(['scheduled', 'starting', 'sending', 'throttled', 'paused', 'completed', 'cancelled', 'failed']),
  processed: z.number(),
  effectiveRate: z.number(),
  pausedBy: z.enum(['merchant', 'billing']).nullable(),
  pausedReason: z.string().nullable(),
  throttledUntil: z.string().nullable(),
  lastThrottleCode: z.string().nullable(),
  batches: z.number(),
  run: z.number(),
});

export const broadcastDetailSchema = z.object({
  broadcast: broadcastSummarySchema.extend({
    audience: z.object({
      tags: z.array(z.string()),
      tagMatch: z.enum(['any', 'all']),
      contactedWithinDays: z.number().nullable(),
      notContactedForDays: z.number().nullable(),
    }),
    contentSid: z.string().nullable(),
    /** The template text (WhatsApp) or the SMS text as written. */
    body: z.string().nullable(),
  }),
  /** Live from the workflow; null when it is not running or no worker answered in time. */
  progress: progressSchema.nullable(),
  /** The broadcast's runs in the Temporal UI: operators only (null for merchants). */
  workflow: z.object({ id: z.string(), url: z.string().nullable() }),
});

export const recipientSchema = z.object({
  seq: z.number(),
  conversationId: z.string(),
  address: z.string(),
  name: z.string().nullable(),
  /** pending, sending, skipped, failed, or the message's delivery status once Twilio accepted it. */
  status: z.string(),
  errorCode: z.string().nullable(),
  updatedAt: z.string(),
});

export const recipientPageSchema = z.object({ items: z.array(recipientSchema), nextCursor: z.string().nullable() });

export const RECIPIENT_FILTERS = ['pending', 'sent', 'delivered', 'failed', 'skipped'] as const;
export type RecipientFilter = (typeof RECIPIENT_FILTERS)[number];

const FILTERS: Record<RecipientFilter, string> = {
  pending: `r.status IN ('pending', 'sending')`,
  sent: `r.status = 'sent' AND coalesce(m.status::text, '') NOT IN ('failed', 'undelivered')`,
  delivered: `r.status = 'sent' AND m.status::text IN ('delivered', 'read')`,
  failed: `(r.status = 'failed' OR (r.status = 'sent' AND m.status::text IN ('failed', 'undelivered')))`,
  skipped: `r.status = 'skipped'`,
};

/** One page of recipients in sending order, after `afterSeq`. The broadcast must already be the tenant's. */
export async function recipientPage(
  pool: pg.Pool,
  input: { broadcastId: string; afterSeq: number; limit: number; filter: RecipientFilter | null },
): Promise<z.infer<typeof recipientPageSchema>> {
  const { rows } = await pool.query<{
    seq: number;
    conversationId: string;
    address: string;
    name: string | null;
    status: string;
    messageStatus: string | null;
    errorCode: string | null;
    messageErrorCode: string | null;
    updatedAt: Date;
    messageUpdatedAt: Date | null;
  }>({
    text: `SELECT r.seq, r.conversation_id AS "conversationId", r.customer_address AS address,
                  coalesce(c.first_name, c.customer_name) AS name, r.status, m.status::text AS "messageStatus",
                  r.error_code AS "errorCode", m.error_code AS "messageErrorCode", r.updated_at AS "updatedAt",
                  m.status_updated_at AS "messageUpdatedAt"
           FROM broadcast_recipients r
           JOIN conversations c ON c.id = r.conversation_id
           LEFT JOIN messages m ON m.id = r.message_id
           WHERE r.broadcast_id = $1 AND r.seq > $2 ${input.filter ? `AND ${FILTERS[input.filter]}` : ''}
           ORDER BY r.seq LIMIT $3`,
    values: [input.broadcastId, input.afterSeq, input.limit + 1],
  });
  const page = rows.slice(0, input.limit);
  return {
    items: page.map((r) => ({
      seq: r.seq,
      conversationId: r.conversationId,
      address: r.address.replace(/^whatsapp:/, ''),
      name: r.name,
      status: r.status === 'sent' ? (r.messageStatus ?? 'sent') : r.status,
      errorCode: r.errorCode ?? r.messageErrorCode,
      updatedAt: (r.messageUpdatedAt && r.messageUpdatedAt > r.updatedAt ? r.messageUpdatedAt : r.updatedAt).toISOString(),
    })),
    nextCursor: rows.length > input.limit ? String(page[page.length - 1]!.seq) : null,
  };
}

/** Counts of a finished broadcast as stored when it finished; delivery keeps arriving, so live ones are read. */
export function storedCounts(b: { recipientsTotal: number; sentCount: number; deliveredCount: number; failedCount: number; skippedCount: number }): RecipientCounts {
  return { total: b.recipientsTotal, pending: 0, sent: b.sentCount, delivered: b.deliveredCount, failed: b.failedCount, skipped: b.skippedCount };
}
