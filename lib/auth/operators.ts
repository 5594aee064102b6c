// Operators are platform staff: users of the internal "WARA Operations" tenant with the operator flag
// (`users.is_admin`). They are made only here, from the command line (`npm run operator`), never by sign-up,
// and never out of a merchant's account: a shop owner who is also staff keeps two logins.
import { randomBytes } from 'node:crypto';
import { AUDIT_ACTIONS, writeAudit } from '../audit.js';
import type { PrismaClient } from '../db/client.js';
import { hashPassword } from './password.js';

export const OPERATIONS_TENANT = { slug: 'wara-operations', name: 'WARA Operations' } as const;

export class NotAnOperatorAccountError extends Error {
  constructor(email: string, tenantName: string) {
    super(`${email} is a merchant's account (${tenantName}); operators use an account of their own. Pick another address.`);
  }
}

export interface OperatorChange {
  email: string;
  userId: string;
  /** `created`: a new account; `promoted`: a former operator's account again; `unchanged`: already one. */
  outcome: 'created' | 'promoted' | 'unchanged';
  /** A new random password, to be shown once and never stored in clear; null when unchanged. */
  password: string | null;
}

/** Who ran the command, for the trail (an OS user, a CI job). */
export interface OperatorCommandContext {
  by: string;
}

/** The internal tenant operators belong to (made on first use): no trial, no plan. */
export async function operationsTenant(prisma: PrismaClient): Promise<{ id: string; name: string }> {
  return prisma.tenant.upsert({
    where: { slug: OPERATIONS_TENANT.slug },
    create: { slug: OPERATIONS_TENANT.slug, name: OPERATIONS_TENANT.name, plan: 'internal', trialEndsAt: null },
    update: {},
    select: { id: true, name: true },
  });
}

/** 144 random bits, URL-safe: typed once into the log-in form. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

export async function addOperator(prisma: PrismaClient, rawEmail: string, context: OperatorCommandContext): Promise<OperatorChange> {
  const email = rawEmail.trim().toLowerCase();
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) throw new Error(`"${rawEmail}" is not an email address`);
  const tenant = await operationsTenant(prisma);
  const existing = await prisma.user.findUnique({ where: { email }, include: { tenant: { select: { id: true, name: true } } } });
  if (existing && existing.tenantId !== tenant.id) throw new NotAnOperatorAccountError(email, existing.tenant.name);
  if (existing?.isAdmin) return { email, userId: existing.id, outcome: 'unchanged', password: null };

  const password = generatePassword();
  const passwordHash = await hashPassword(password);
  const user = await prisma.$transaction(async (tx) => {
    const row = existing
      ? await tx.user.update({ where: { id: existing.id }, data: { isAdmin: true, passwordHash } })
      : await tx.user.create({ data: { tenantId: tenant.id, email, passwordHash, isAdmin: true, role: 'member', emailVerifiedAt: new Date() } });
    await writeAudit(tx, {
      tenantId: tenant.id,
      actorType: 'system',
      action: AUDIT_ACTIONS.ops.operatorAdded,
      targetType: 'user',
      targetId: row.id,
      details: { email, via: 'cli', by: context.by, outcome: existing ? 'promoted' : 'created' },
    });
    return row;
  });
  return { email, userId: user.id, outcome: existing ? 'promoted' : 'created', password };
}

/** Takes the flag away, ends their sessions at once and removes their password (the account stays, for the trail). */
export async function removeOperator(prisma: PrismaClient, rawEmail: string, context: OperatorCommandContext): Promise<'removed' | 'not_an_operator'> {
  const email = rawEmail.trim().toLowerCase();
  const user = await prisma.user.findUnique({ where: { email } });
  if (!user?.isAdmin) return 'not_an_operator';
  await prisma.$transaction(async (tx) => {
    await tx.user.update({ where: { id: user.id }, data: { isAdmin: false, passwordHash: null } });
    await tx.session.updateMany({ where: { userId: user.id, revokedAt: null }, data: { revokedAt: new Date() } });
    await writeAudit(tx, {
      tenantId: user.tenantId,
      actorType: 'system',
      action: AUDIT_ACTIONS.ops.operatorRemoved,
      targetType: 'user',
      targetId: user.id,
      details: { email, via: 'cli', by: context.by },
    });
  });
  return 'removed';
}

export async function listOperators(prisma: PrismaClient): Promise<Array<{ email: string; createdAt: Date; lastLoginAt: Date | null }>> {
  return prisma.user.findMany({ where: { isAdmin: true }, orderBy: { email: 'asc' }, select: { email: true, createdAt: true, lastLoginAt: true } });
}
