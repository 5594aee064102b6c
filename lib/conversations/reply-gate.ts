// The hook between billing and replies: may this tenant's AI answer right now? Billing owns the state
// (Tenant.plan, Tenant.status); this only reads it, so a plan change takes effect on the next reply.
import type { PrismaClient } from '../db/client.js';

export type GateDecision = { allowed: true } | { allowed: false; reason: GateReason; message: string };
export type GateReason = 'trial_expired' | 'tenant_inactive' | 'tenant_missing';

export async function replyGate(prisma: PrismaClient, tenantId: string): Promise<GateDecision> {
  const tenant = await prisma.tenant.findUnique({ where: { id: tenantId }, select: { plan: true, status: true } });
  if (!tenant) return { allowed: false, reason: 'tenant_missing', message: 'The merchant account no longer exists.' };
  if (tenant.status !== 'active') {
    return { allowed: false, reason: 'tenant_inactive', message: `AI replies are off: the account is ${tenant.status}.` };
  }
  if (tenant.plan === 'trial_expired') {
    return { allowed: false, reason: 'trial_expired', message: 'AI replies are paused: the free trial has ended. Choose a plan to resume.' };
  }
  return { allowed: true };
}

/** Counts one AI reply against the tenant's monthly usage (the period the dashboard shows). */
export async function countReply(prisma: PrismaClient, tenantId: string, at: Date): Promise<void> {
  const periodStart = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
  await prisma.usageCounter.upsert({
    where: { tenantId_periodStart: { tenantId, periodStart } },
    create: { tenantId, periodStart, replies: 1 },
    update: { replies: { increment: 1 } },
  });
}
