// The database side of a WhatsApp connection: the IntegrationAccount row mirrors the onboarding workflow so
// the dashboard and the webhooks can read it without Temporal, and the identifiers route inbound webhooks
// to exactly one tenant. Every write is keyed so that a retried activity repeats harmlessly.
import { ApplicationFailure } from '@temporalio/activity';
import { AUDIT_ACTIONS, writeAudit } from '../lib/audit.js';
import type { PrismaClient } from '../lib/db/client.js';
import { actingWorkflow } from './workflow-actor.js';

export interface IntegrationDeps {
  prisma: PrismaClient;
}

export interface ConnectedInput {
  tenantId: string;
  accountId: string;
  subaccountSid: string;
  messagingServiceSid: string;
  senderSid: string;
  /** E.164 (`+15551234567`). */
  phoneNumber: string;
}

type IdentifierKind = 'whatsapp_number' | 'messaging_service_sid' | 'account_sid';

const WHATSAPP = { provider: 'twilio', channel: 'whatsapp' } as const;

export function createIntegrationActivities({ prisma }: IntegrationDeps) {
  return {
    /** The one row per tenant and channel: created on the first connection, reused on reconnects. */
    async beginWhatsAppConnection({ tenantId, workflowId }: { tenantId: string; workflowId: string }): Promise<{ accountId: string }> {
      const row = await prisma.integrationAccount.upsert({
        where: { tenantId_provider_channel: { tenantId, ...WHATSAPP } },
        create: { tenantId, ...WHATSAPP, status: 'connecting', onboardingWorkflowId: workflowId },
        update: { onboardingWorkflowId: workflowId, lastError: null },
      });
      // A rerun over a live connection re-checks it without taking it down: webhooks keep routing meanwhile.
      if (row.status !== 'connected') {
        await prisma.integrationAccount.updateMany({ where: { id: row.id, NOT: { status: 'connected' } }, data: { status: 'connecting' } });
      }
      return { accountId: row.id };
    },

    async recordSubaccount(input: { tenantId: string; accountId: string; subaccountSid: string }): Promise<void> {
      await prisma.integrationAccount.update({
        where: { id: input.accountId, tenantId: input.tenantId },
        data: { subaccountSid: input.subaccountSid },
      });
    },

    async recordWaitingForSender(input: { tenantId: string; accountId: string }): Promise<void> {
      await prisma.integrationAccount.updateMany({
        where: { id: input.accountId, tenantId: input.tenantId, status: { in: ['connecting', 'waiting_for_sender'] } },
        data: { status: 'waiting_for_sender' },
      });
    },

    /** Identifiers first, then `connected`: a webhook that can see the status can also be routed. */
    async recordWhatsAppConnected(input: ConnectedInput): Promise<void> {
      await prisma.$transaction(async (tx) => {
        const wanted: Array<[IdentifierKind, string]> = [
          ['whatsapp_number', input.phoneNumber],
          ['messaging_service_sid', input.messagingServiceSid],
          ['account_sid', input.subaccountSid],
        ];
        for (const [kind, value] of wanted) {
          const owner = await tx.integrationIdentifier.findUnique({ where: { kind_value: { kind, value } } });
          if (owner && owner.accountId !== input.accountId) {
            // Another tenant's webhooks would be routed here (or theirs here): never silently take it over.
            throw ApplicationFailure.nonRetryable(
              `The ${kind.replace(/_/g, ' ')} ${value} is already connected to another WARA account; contact support.`,
              'IdentifierTaken',
            );
          }
          if (!owner) await tx.integrationIdentifier.create({ data: { tenantId: input.tenantId, accountId: input.accountId, kind, value } });
        }
        // A number changed since the last connection: its old identifiers must stop routing here. SMS numbers'
        // (`phone_number`) are not the connection's: their own workflow adds and removes them.
        await tx.integrationIdentifier.deleteMany({
          where: { accountId: input.accountId, kind: { not: 'phone_number' }, NOT: { OR: wanted.map(([kind, value]) => ({ kind, value })) } },
        });
        const before = await tx.integrationAccount.findUniqueOrThrow({ where: { id: input.accountId, tenantId: input.tenantId } });
        await tx.integrationAccount.update({
          where: { id: input.accountId },
          data: {
            status: 'connected',
            subaccountSid: input.subaccountSid,
            messagingServiceSid: input.messagingServiceSid,
            senderSid: input.senderSid,
            lastError: null,
            connectedAt: before.status === 'connected' ? before.connectedAt : new Date(),
            disconnectedAt: null,
          },
        });
        if (before.status !== 'connected') {
          await writeAudit(tx, {
            tenantId: input.tenantId,
            ...actingWorkflow(),
            action: AUDIT_ACTIONS.whatsapp.connected,
            targetType: 'integration_account',
            targetId: input.accountId,
            details: { channel: 'whatsapp', phoneNumber: input.phoneNumber, messagingServiceSid: input.messagingServiceSid },
          });
        }
      });
    },

    async recordOnboardingFailed(input: { tenantId: string; accountId: string; step: string; reason: string }): Promise<void> {
      await prisma.$transaction(async (tx) => {
        const { count } = await tx.integrationAccount.updateMany({
          where: { id: input.accountId, tenantId: input.tenantId, NOT: { status: 'failed', lastError: input.reason } },
          data: { status: 'failed', lastError: input.reason },
        });
        if (count > 0) {
          await writeAudit(tx, {
            tenantId: input.tenantId,
            ...actingWorkflow(),
            action: AUDIT_ACTIONS.whatsapp.failed,
            targetType: 'integration_account',
            targetId: input.accountId,
            details: { step: input.step, reason: input.reason },
          });
        }
      });
    },

    /** What a disconnect must unwind, or null when the tenant never started connecting. */
    async findWhatsAppConnection({ tenantId }: { tenantId: string }): Promise<{ accountId: string; subaccountSid: string | null } | null> {
      const row = await prisma.integrationAccount.findUnique({ where: { tenantId_provider_channel: { tenantId, ...WHATSAPP } } });
      return row && { accountId: row.id, subaccountSid: row.subaccountSid };
    },

    /** Webhooks for this tenant stop resolving at once: the identifiers go with the connection. */
    async recordWhatsAppDisconnected(input: { tenantId: string; accountId: string }): Promise<void> {
      await prisma.$transaction(async (tx) => {
        await tx.integrationIdentifier.deleteMany({ where: { accountId: input.accountId, tenantId: input.tenantId } });
        const { count } = await tx.integrationAccount.updateMany({
          where: { id: input.accountId, tenantId: input.tenantId, NOT: { status: 'disconnected' } },
          data: { status: 'disconnected', disconnectedAt: new Date(), apiKeySid: null },
        });
        if (count > 0) {
          await writeAudit(tx, {
            tenantId: input.tenantId,
            ...actingWorkflow(),
            action: AUDIT_ACTIONS.whatsapp.disconnected,
            targetType: 'integration_account',
            targetId: input.accountId,
            details: { channel: 'whatsapp' },
          });
        }
      });
    },
  };
}

export type IntegrationActivities = ReturnType<typeof createIntegrationActivities>;
