// Delivery statuses arrive out of order (Twilio does not promise callback order, and retries overlap), so a
// message only ever moves forward: a late "sent" never overwrites "delivered".
import { z } from 'zod';

export const MESSAGE_STATUSES = ['received', 'queued', 'sending', 'sent', 'delivered', 'read', 'failed', 'undelivered', 'not_sent'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

const RANK: Record<MessageStatus, number> = {
  received: 0,
  queued: 1,
  sending: 2,
  sent: 3,
  delivered: 4,
  undelivered: 4,
  read: 5,
  // Terminal: nothing overrides a failure or a decision not to send.
  failed: 9,
  not_sent: 9,
};

/** Twilio's status words mapped onto ours (`accepted`/`scheduled` are still queued at Twilio). */
export const twilioStatus = z
  .string()
  .transform((s) => s.toLowerCase())
  .pipe(z.enum(['accepted', 'scheduled', 'queued', 'sending', 'sent', 'delivered', 'read', 'failed', 'undelivered', 'canceled', 'receiving', 'received']))
  .transform((s): MessageStatus => {
    if (s === 'accepted' || s === 'scheduled') return 'queued';
    if (s === 'canceled') return 'failed';
    if (s === 'receiving') return 'received';
    return s;
  });

/** The statuses a message may be in for `next` to be an advance. */
export function statusesBefore(next: MessageStatus): MessageStatus[] {
  return MESSAGE_STATUSES.filter((s) => RANK[s] < RANK[next]);
}
