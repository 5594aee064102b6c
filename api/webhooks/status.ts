// Delivery status callbacks for our outbound messages. The callback URL carries our row id (`?m=`), so the
// first callback can attach Twilio's sid to the row even when the sending process died before it could
// (half of the exactly-once design, see activities/twilio-messaging.ts). Statuses only move forward.
import { Prisma, type PrismaClient } from '../../lib/db/client.js';
import { statusesBefore, twilioStatus } from '../../lib/conversations/status.js';
import type { WebhookTenant } from '../../lib/conversations/tenant-resolver.js';
import type { z } from 'zod';
import type { statusParams } from './params.js';

export async function receiveStatus(
  prisma: PrismaClient,
  tenant: WebhookTenant,
  params: z.infer<typeof statusParams>,
  messageId: string | undefined,
): Promise<{ updated: boolean }> {
  const status = twilioStatus.safeParse(params.MessageStatus);
  if (!status.success) return { updated: false };
  const now = new Date();
  if (messageId) {
    try {
      await prisma.message.updateMany({
        where: { id: messageId, tenantId: tenant.tenantId, direction: 'outbound', providerMessageSid: null },
        data: { providerMessageSid: params.MessageSid },
      });
    } catch (err) {
      // The sid already belongs to another row (a forged or stale `m`): never move it.
      if (!(err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')) throw err;
    }
  }
  const failed = status.data === 'failed' || status.data === 'undelivered';
  const { count } = await prisma.message.updateMany({
    where: { tenantId: tenant.tenantId, providerMessageSid: params.MessageSid, status: { in: statusesBefore(status.data) } },
    data: {
      status: status.data,
      statusUpdatedAt: now,
      ...(failed ? { errorCode: params.ErrorCode ?? null, errorMessage: params.ErrorMessage ?? null } : {}),
    },
  });
  return { updated: count > 0 };
}
