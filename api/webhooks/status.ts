// Delivery status callbacks for our outbound messages. The callback URL carries our row id (`?m=`), so the
// first callback can attach Twilio's sid to the row even when the sending process died before it could
// (half of the exactly-once design, see activities/twilio-messaging.ts). Statuses only move forward.
// Three of these arrive per reply, so they are plain SQL (lib/db/sql.ts), not Prisma.
import type pg from 'pg';
import type { z } from 'zod';
import { statusesBefore, twilioStatus } from '../../lib/conversations/status.js';
import type { WebhookTenant } from '../../lib/conversations/tenant-resolver.js';
import { isUniqueViolation } from '../../lib/db/sql.js';
import { storable, type statusParams } from './params.js';

export async function receiveStatus(
  pool: pg.Pool,
  tenant: WebhookTenant,
  params: z.infer<typeof statusParams>,
  messageId: string | undefined,
): Promise<{ updated: boolean }> {
  const status = twilioStatus.safeParse(params.MessageStatus);
  if (!status.success) return { updated: false };
  if (messageId) {
    try {
      await pool.query({
        name: 'status-attach-sid',
        text: `UPDATE messages SET provider_message_sid = $3, updated_at = now() AT TIME ZONE 'UTC'
               WHERE id = $1 AND tenant_id = $2 AND direction = 'outbound' AND provider_message_sid IS NULL`,
        values: [messageId, tenant.tenantId, params.MessageSid],
      });
    } catch (err) {
      // The sid already belongs to another row (a forged or stale `m`): never move it.
      if (!isUniqueViolation(err)) throw err;
    }
  }
  const failed = status.data === 'failed' || status.data === 'undelivered';
  const { rowCount } = await pool.query({
    name: 'status-advance',
    text: `UPDATE messages SET status = $3::message_status, status_updated_at = now() AT TIME ZONE 'UTC', updated_at = now() AT TIME ZONE 'UTC',
             error_code = CASE WHEN $4 THEN $5 ELSE error_code END, error_message = CASE WHEN $4 THEN $6 ELSE error_message END
           WHERE tenant_id = $1 AND provider_message_sid = $2 AND status = ANY($7::message_status[])`,
    values: [tenant.tenantId, params.MessageSid, status.data, failed, optionalStorable(params.ErrorCode), optionalStorable(params.ErrorMessage), statusesBefore(status.data)],
  });
  return { updated: (rowCount ?? 0) > 0 };
}

/** Bound as a parameter even when unused: a NUL in it failed every callback that carried one (see storable). */
const optionalStorable = (text: string | undefined) => (text === undefined ? null : storable(text));
