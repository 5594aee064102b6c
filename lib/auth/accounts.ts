import { randomBytes } from 'node:crypto';
import { Prisma } from '@prisma/client';
import type { PrismaClient } from '../db/client.js';
import { writeAudit } from '../audit.js';
import { hashPassword } from './password.js';

export interface SignupInput {
  email: string;
  /** Null for accounts that sign in with Google only. */
  password: string | null;
  googleSub?: string;
  name: string | null;
  companyName: string;
  attribution: Record<string, string>;
  trialDays: number;
  ip: string | null;
}

export class EmailTakenError extends Error {
  constructor() {
    super('An account with this email already exists.');
  }
}

/**
 * Creates the tenant, its owner and the trial in one transaction: either the merchant exists with
 * everything, or nothing was written. The unique email index settles a race between two sign-ups.
 */
export async function createAccount(prisma: PrismaClient, input: SignupInput) {
  const passwordHash = input.password === null ? null : await hashPassword(input.password);
  const trialEndsAt = new Date(Date.now() + input.trialDays * 24 * 60 * 60 * 1000);
  try {
    return await prisma.$transaction(async (tx) => {
      const tenant = await tx.tenant.create({
        data: {
          name: input.companyName,
          slug: slugFor(input.companyName),
          plan: 'trial',
          trialEndsAt,
          attribution: input.attribution,
        },
      });
      const user = await tx.user.create({
        // Google vouches for the address of an account created through it; a password account must verify.
        data: { tenantId: tenant.id, email: input.email, name: input.name, passwordHash, googleSub: input.googleSub ?? null, role: 'owner', emailVerifiedAt: input.googleSub ? new Date() : null },
      });
      await tx.catalog.create({ data: { tenantId: tenant.id } });
      await writeAudit(tx, {
        tenantId: tenant.id,
        actorUserId: user.id,
        actorType: 'user',
        action: 'auth.signup',
        targetType: 'user',
        targetId: user.id,
        details: { attribution: input.attribution, method: input.googleSub ? 'google' : 'password' },
        ip: input.ip,
      });
      return { tenant, user };
    });
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') throw new EmailTakenError();
    throw err;
  }
}

/** Readable and unique without a lookup: `acme-shop-3f9a1c`. */
function slugFor(name: string): string {
  const base = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return `${base || 'shop'}-${randomBytes(3).toString('hex')}`;
}
