// The database side of a tenant's SMS numbers: the sms_numbers row mirrors the `sms-number:{tenant}:{number}`
// workflow for the dashboard, and a number's `phone_number` identifier routes its inbound SMS and status
// callbacks to exactly one tenant. Every write is keyed so a retried activity repeats harmlessly.
import { ApplicationFailure } from '@temporalio/activity';
import { AUDIT_ACTIONS, writeAudit } from '../lib/audit.js';
import type { PrismaClient } from '../lib/db/client.js';
import { actingWorkflow } from './workflow-actor.js';

export interface SmsNumberDeps {
  prisma: PrismaClient;
}

/** What buying or releasing a number needs to know about it and its Twilio account. */
export interface SmsNumberRef {
  tenantId: string;
  accountId: string;
  subaccountSid: string;
  messagingServiceSid: string | null;
  numberId: string;
  phoneNumber: string;
  phoneNumberSid: string | null;
  status: string;
}

export function createSmsNumberActivities({ prisma }: SmsNumberDeps) {
  return {
    async loadSmsNumber({ tenantId, numberId }: { tenantId: string; numberId: string }): Promise<SmsNumberRef> {
      const row = await prisma.smsNumber.findFirst({ where: { id: numberId, tenantId }, include: { account: true } });
      if (!row) throw ApplicationFailure.nonRetryable(`no SMS number ${numberId}`, 'SmsNumberMissing');
      if (!row.account.subaccountSid) throw ApplicationFailure.nonRetryable('The Twilio account is not set up; connect WhatsApp first.', 'NotConnected');
      return {
        tenantId,
        accountId: row.accountId,
        subaccountSid: row.account.subaccountSid,
        messagingServiceSid: row.account.messagingServiceSid,
        numberId: row.id,
        phoneNumber: row.phoneNumber,
        phoneNumberSid: row.phoneNumberSid,
        status: row.status,
      };
    },

    async recordSmsNumberBought(input: { tenantId: string; numberId: string; phoneNumberSid: string }): Promise<void> {
      await prisma.smsNumber.updateMany({
        where: { id: input.numberId, tenantId: input.tenantId, status: 'buying' },
        data: { phoneNumberSid: input.phoneNumberSid },
      });
    },

    /**
     * The number routes to this tenant from now on: its identifier, plus the account's sid and service (already
     * there from the WhatsApp connection; written if missing so status callbacks always resolve), then active.
     */
    async recordSmsNumberActive(input: { tenantId: string; accountId: string; numberId: string; subaccountSid: string; messagingServiceSid: string }): Promise<void> {
      await prisma.$transaction(async (tx) => {
        const row = await tx.smsNumber.findFirstOrThrow({ where: { id: input.numberId, tenantId: input.tenantId } });
        const wanted: Array<['phone_number' | 'account_sid' | 'messaging_service_sid', string]> = [
          ['phone_number', row.phoneNumber],
          ['account_sid', input.subaccountSid],
          ['messaging_service_sid', input.messagingServiceSid],
        ];
        for (const [kind, value] of wanted) {
          const owner = await tx.integrationIdentifier.findUnique({ where: { kind_value: { kind, value } } });
          if (owner && owner.accountId !== input.accountId) {
            throw ApplicationFailure.nonRetryable(`The ${kind.replace(/_/g, ' ')} ${value} is already connected to another WARA account; contact support.`, 'IdentifierTaken');
          }
          if (!owner) await tx.integrationIdentifier.create({ data: { tenantId: input.tenantId, accountId: input.accountId, kind, value } });
        }
        const { count } = await tx.smsNumber.updateMany({
          where: { id: input.numberId, tenantId: input.tenantId, status: 'buying' },
          data: { status: 'active', lastError: null },
        });
        if (count > 0) {
          await writeAudit(tx, {
            tenantId: input.tenantId,
            ...actingWorkflow(),
            action: AUDIT_ACTIONS.sms.numberBought,
            targetType: 'sms_number',
            targetId: input.numberId,
            details: { phoneNumber: row.phoneNumber, phoneNumberSid: row.phoneNumberSid },
          });
        }
      });
    },

    async recordSmsNumberFailed(input: { tenantId: string; numberId: string; step: string; reason: string }): Promise<void> {
      await prisma.$transaction(async (tx) => {
        // A failed release leaves the number held (it still is, at Twilio): only the reason is recorded.
        const row = await tx.smsNumber.findFirst({ where: { id: input.numberId, tenantId: input.tenantId } });
        if (!row || row.status === 'released') return;
        const failedBuy = row.status === 'buying';
        await tx.smsNumber.update({
          where: { id: row.id },
          data: { lastError: input.reason, ...(failedBuy ? { status: 'failed' } : { status: 'active' }) },
        });
        await writeAudit(tx, {
          tenantId: input.tenantId,
          ...actingWorkflow(),
          action: AUDIT_ACTIONS.sms.numberFailed,
          targetType: 'sms_number',
          targetId: input.numberId,
          details: { step: input.step, reason: input.reason },
        });
      });
    },

    /** Its identifier goes first: from now on nothing routes to this tenant through the number. */
    async recordSmsNumberReleased(input: { tenantId: string; numberId: string }): Promise<void> {
      await prisma.$transaction(async (tx) => {
        const row = await tx.smsNumber.findFirst({ where: { id: input.numberId, tenantId: input.tenantId } });
        if (!row) return;
        await tx.integrationIdentifier.deleteMany({ where: { tenantId: input.tenantId, kind: 'phone_number', value: row.phoneNumber } });
        const { count } = await tx.smsNumber.updateMany({
          where: { id: row.id, NOT: { status: 'released' } },
          data: { status: 'released', releasedAt: new Date(), lastError: null },
        });
        if (count > 0) {
          await writeAudit(tx, {
            tenantId: input.tenantId,
            ...actingWorkflow(),
            action: AUDIT_ACTIONS.sms.numberReleased,
            targetType: 'sms_number',
            targetId: row.id,
            details: { phoneNumber: row.phoneNumber },
          });
        }
      });
    },

    /** The numbers a disconnect must give back (bought or being bought). */
    async listHeldSmsNumbers({ tenantId }: { tenantId: string }): Promise<Array<{ numberId: string; phoneNumberSid: string | null }>> {
      const rows = await prisma.smsNumber.findMany({
        where: { tenantId, OR: [{ status: { in: ['buying', 'active', 'releasing'] } }, { status: 'failed', phoneNumberSid: { not: null } }] },
        orderBy: { createdAt: 'asc' },
      });
      return rows.map((r) => ({ numberId: r.id, phoneNumberSid: r.phoneNumberSid }));
    },
  };
}

export type SmsNumberActivities = ReturnType<typeof createSmsNumberActivities>;
