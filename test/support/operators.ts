import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { addOperator } from '../../lib/auth/operators.js';
import type { PrismaClient } from '../../lib/db/client.js';
import { cookieHeader, type TestSession } from './api.js';

/**
 * An operator made the only way operators are made (lib/auth/operators.ts, what `npm run operator -- add`
 * runs), logged in through the real endpoint: what a browser would hold.
 */
export async function logInOperator(app: FastifyInstance, prisma: PrismaClient, email = `ops-${randomUUID()}@wara.example`): Promise<TestSession> {
  const made = await addOperator(prisma, email, { by: 'test' });
  if (!made.password) throw new Error(`${email} was already an operator`);
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: made.password } });
  if (res.statusCode !== 200) throw new Error(`operator login failed: ${res.statusCode} ${res.body}`);
  const body = res.json<{ user: { id: string }; tenant: { id: string }; csrfToken: string }>();
  return { cookie: cookieHeader(res), csrfToken: body.csrfToken, userId: body.user.id, tenantId: body.tenant.id, email, password: made.password };
}
