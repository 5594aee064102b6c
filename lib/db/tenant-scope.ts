import { Prisma } from '@prisma/client';
import type { PrismaClient } from './client.js';

/**
 * Every model with a `tenantId` column, read from the generated client so a new model is covered the
 * day it is added.
 */
export const TENANT_OWNED_MODELS: ReadonlySet<string> = new Set(
  Prisma.dmmf.datamodel.models.filter((m) => m.fields.some((f) => f.name === 'tenantId')).map((m) => m.name),
);

const WHERE_OPERATIONS = new Set([
  'findUnique', 'findUniqueOrThrow', 'findFirst', 'findFirstOrThrow', 'findMany',
  'count', 'aggregate', 'groupBy', 'update', 'updateMany', 'delete', 'deleteMany', 'upsert',
]);

type Args = Record<string, unknown>;

/**
 * The tenant's view of the database: every query on a tenant-owned model gets `tenantId` added to its
 * filter and to the rows it creates, and `Tenant` itself is narrowed to the caller's row. Routes use this,
 * so isolation is one mechanism, not a filter each handler must remember. Raw SQL is not covered: the few
 * raw queries (full-text search, bulk upserts) take the tenant id as an explicit parameter.
 */
export function forTenant(prisma: PrismaClient, tenantId: string) {
  return prisma.$extends({
    name: 'tenant-scope',
    query: {
      $allModels: {
        async $allOperations({ model, operation, args, query }) {
          const scoped = scopeArgs(model, operation, (args ?? {}) as Args, tenantId);
          return query(scoped as typeof args);
        },
      },
    },
  });
}

export type TenantDb = ReturnType<typeof forTenant>;

export function scopeArgs(model: string, operation: string, args: Args, tenantId: string): Args {
  const key = model === 'Tenant' ? 'id' : TENANT_OWNED_MODELS.has(model) ? 'tenantId' : null;
  if (!key) return args;
  const out: Args = { ...args };
  if (WHERE_OPERATIONS.has(operation)) out.where = { ...((args.where as Args | undefined) ?? {}), [key]: tenantId };
  if (operation === 'create') out.data = { ...(args.data as Args), [key]: tenantId };
  if (operation === 'createMany' || operation === 'createManyAndReturn') {
    const rows = Array.isArray(args.data) ? args.data : [args.data];
    out.data = rows.map((row: Args) => ({ ...row, [key]: tenantId }));
  }
  if (operation === 'upsert') out.create = { ...(args.create as Args), [key]: tenantId };
  if (model === 'Tenant' && (operation === 'create' || operation === 'createMany' || operation === 'delete' || operation === 'deleteMany')) {
    throw new Error('tenants are created and deleted outside the tenant scope');
  }
  return out;
}
