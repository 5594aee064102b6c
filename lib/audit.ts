import type { Prisma } from '@prisma/client';

/** Dotted verbs, so the audit viewer can filter by area (`auth.`, `integration.`, `catalog.`…). */
export type AuditAction =
  | 'auth.signup'
  | 'auth.login'
  | 'auth.login_failed'
  | 'auth.logout'
  | 'billing.trial_expired'
  | (string & {});

export interface AuditEntry {
  tenantId: string | null;
  actorUserId?: string | null;
  actorType: 'user' | 'admin' | 'system' | 'workflow' | 'webhook';
  action: AuditAction;
  targetType?: string;
  targetId?: string;
  details?: Prisma.InputJsonValue;
  ip?: string | null;
}

/** Writes an audit row through whichever client (or transaction) the caller is using. */
export async function writeAudit(db: { auditLog: { create(args: { data: Prisma.AuditLogUncheckedCreateInput }): Promise<unknown> } }, entry: AuditEntry): Promise<void> {
  await db.auditLog.create({
    data: {
      tenantId: entry.tenantId,
      actorUserId: entry.actorUserId ?? null,
      actorType: entry.actorType,
      action: entry.action,
      targetType: entry.targetType ?? null,
      targetId: entry.targetId ?? null,
      ...(entry.details === undefined ? {} : { details: entry.details }),
      ip: entry.ip ?? null,
    },
  });
}
