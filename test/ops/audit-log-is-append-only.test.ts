import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAudit } from '../../lib/audit.js';
import { sqlPool } from '../../lib/db/sql.js';
import { signUp, startTestApi, type TestApi } from '../support/api.js';

/*
 * The audit trail is append-only in the database itself: whatever client or query runs, an entry once
 * written cannot be changed or removed, and deleting a tenant leaves its entries exactly as they were.
 */
let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api?.close();
});

async function anEntry(tenantId: string | null, action = 'test.append_only') {
  await writeAudit(api.prisma, { tenantId, actorType: 'system', action, details: { n: 1 }, ip: '203.0.113.7' });
  return api.prisma.auditLog.findFirstOrThrow({ where: { tenantId, action }, orderBy: { createdAt: 'desc' } });
}

describe('audit_logs is append-only', () => {
  it('refuses UPDATE, DELETE and TRUNCATE from raw SQL, and leaves the row as it was', async () => {
    const entry = await anEntry(null);
    const pool = sqlPool(api.prisma);
    await expect(pool.query(`UPDATE audit_logs SET action = 'tampered' WHERE id = $1`, [entry.id])).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(pool.query(`UPDATE audit_logs SET details = '{}' WHERE true`)).rejects.toThrow(/append-only/);
    await expect(pool.query(`DELETE FROM audit_logs WHERE id = $1`, [entry.id])).rejects.toThrow(/append-only: DELETE refused/);
    await expect(pool.query(`TRUNCATE audit_logs`)).rejects.toThrow(/append-only: TRUNCATE refused/);
    const { rows } = await pool.query<{ action: string; details: unknown }>(`SELECT action, details FROM audit_logs WHERE id = $1`, [entry.id]);
    expect(rows).toEqual([{ action: 'test.append_only', details: { n: 1 } }]);
  });

  it('refuses the same through Prisma (updateMany, deleteMany)', async () => {
    const entry = await anEntry(null, 'test.append_only_prisma');
    await expect(api.prisma.auditLog.updateMany({ where: { id: entry.id }, data: { action: 'x' } })).rejects.toThrow(/append-only/);
    await expect(api.prisma.auditLog.deleteMany({ where: { id: entry.id } })).rejects.toThrow(/append-only/);
    expect(await api.prisma.auditLog.count({ where: { id: entry.id, action: 'test.append_only_prisma' } })).toBe(1);
  });

  it('deleting a tenant leaves its entries untouched, still naming it', async () => {
    const shop = await signUp(api.app, { companyName: 'Closing Shop' });
    const before = await api.prisma.auditLog.findMany({ where: { tenantId: shop.tenantId }, orderBy: { id: 'asc' } });
    expect(before.map((e) => e.action)).toEqual(expect.arrayContaining(['auth.signup', 'auth.email_verified']));
    await api.prisma.tenant.delete({ where: { id: shop.tenantId } });
    const after = await api.prisma.auditLog.findMany({ where: { tenantId: shop.tenantId }, orderBy: { id: 'asc' } });
    expect(after).toEqual(before);
  });
});
