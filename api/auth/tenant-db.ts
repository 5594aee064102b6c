import type { FastifyRequest } from 'fastify';
import type { PrismaClient } from '../../lib/db/client.js';
import { forTenant, type TenantDb } from '../../lib/db/tenant-scope.js';
import { requireAuth } from './context.js';

const cache = new WeakMap<FastifyRequest, TenantDb>();

/** The database as the logged-in tenant sees it (401 when nobody is logged in). */
export function tenantDb(prisma: PrismaClient, request: FastifyRequest): TenantDb {
  const auth = requireAuth(request);
  let db = cache.get(request);
  if (!db) {
    db = forTenant(prisma, auth.tenantId);
    cache.set(request, db);
  }
  return db;
}
