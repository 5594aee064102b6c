// Reading the audit trail: filters, keyset pages newest first on (created_at, id), never OFFSET (page 5,000
// costs what page 1 costs); exports page the same way (export.ts). Plain SQL on the `pg` pool:
// the filter is built from the conditions actually given, so each shape gets a plan that uses its index.
import type pg from 'pg';

export const ACTOR_TYPES = ['user', 'operator', 'system', 'workflow', 'webhook', 'admin'] as const;

export interface AuditFilter {
  /** One tenant's entries; `null` = entries outside any tenant (platform events); absent = all. */
  tenantId?: string | null;
  /** `auth.` (an area) or `auth.login` (an action and those that extend it). */
  actionPrefix?: string;
  /** An actor type (`workflow`), a user's email or id, or a workflow id (or its prefix, `onboarding:`). */
  actor?: string;
  /** Inclusive. */
  from?: Date;
  /** Exclusive. */
  to?: Date;
}

export interface AuditRow {
  id: string;
  createdAt: Date;
  tenantId: string | null;
  tenantName: string | null;
  actorType: string;
  actorUserId: string | null;
  actorEmail: string | null;
  workflowId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  /** As stored; mask it before showing it (ip-mask.ts). */
  ip: string | null;
  details: unknown;
}

export interface AuditCursor {
  createdAt: Date;
  id: string;
}

const COLUMNS = `a.id, a.created_at AS "createdAt", a.tenant_id AS "tenantId", t.name AS "tenantName",
  a.actor_type::text AS "actorType", a.actor_user_id AS "actorUserId", u.email AS "actorEmail",
  a.workflow_id AS "workflowId", a.action, a.target_type AS "targetType", a.target_id AS "targetId", a.ip, a.details`;
const FROM = `audit_logs a LEFT JOIN tenants t ON t.id = a.tenant_id LEFT JOIN users u ON u.id = a.actor_user_id`;

/** `LIKE` with the user's text taken literally. */
const likePrefix = (text: string) => `${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The WHERE clause for a filter (and an optional "older than" cursor), with its parameters. */
export function auditWhere(filter: AuditFilter, after?: AuditCursor | null): { sql: string; values: unknown[] } {
  const values: unknown[] = [];
  const param = (value: unknown) => `$${values.push(value)}`;
  const conditions: string[] = [];
  if (filter.tenantId === null) conditions.push('a.tenant_id IS NULL');
  else if (filter.tenantId !== undefined) conditions.push(`a.tenant_id = ${param(filter.tenantId)}`);
  if (filter.actionPrefix) conditions.push(`a.action LIKE ${param(likePrefix(filter.actionPrefix))}`);
  if (filter.actor) {
    const actor = filter.actor.trim();
    if ((ACTOR_TYPES as readonly string[]).includes(actor)) conditions.push(`a.actor_type = ${param(actor)}::audit_actor_type`);
    else if (actor.includes('@')) conditions.push(`a.actor_user_id IN (SELECT id FROM users WHERE email = ${param(actor.toLowerCase())})`);
    else conditions.push(`(a.actor_user_id = ${param(actor)} OR a.workflow_id LIKE ${param(likePrefix(actor))})`);
  }
  // Timestamps are UTC `timestamp(3)` columns: compare in UTC whatever the session's time zone.
  if (filter.from) conditions.push(`a.created_at >= (${param(filter.from.toISOString())}::timestamptz AT TIME ZONE 'UTC')`);
  if (filter.to) conditions.push(`a.created_at < (${param(filter.to.toISOString())}::timestamptz AT TIME ZONE 'UTC')`);
  if (after) {
    conditions.push(`(a.created_at, a.id) < ((${param(after.createdAt.toISOString())}::timestamptz AT TIME ZONE 'UTC'), ${param(after.id)})`);
  }
  return { sql: conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '', values };
}

/** One page, newest first, and the cursor of the next (older) page, or null at the end. */
export async function readAuditPage(
  pool: pg.Pool,
  filter: AuditFilter,
  page: { limit: number; cursor?: string | null },
): Promise<{ rows: AuditRow[]; nextCursor: string | null }> {
  const rows = await queryPage(pool, filter, decodeCursor(page.cursor), page.limit + 1);
  const shown = rows.slice(0, page.limit);
  const last = shown[shown.length - 1];
  return { rows: shown, nextCursor: rows.length > page.limit && last ? encodeCursor(last) : null };
}

/** One entry (with the tenant restriction a merchant's view needs), or null. */
export async function readAuditEntry(pool: pg.Pool, id: string, scope: { tenantId?: string }): Promise<AuditRow | null> {
  const values: unknown[] = [id];
  const tenant = scope.tenantId === undefined ? '' : ` AND a.tenant_id = $${values.push(scope.tenantId)}`;
  const { rows } = await pool.query<AuditRow>(`SELECT ${COLUMNS} FROM ${FROM} WHERE a.id = $1${tenant}`, values);
  return rows[0] ?? null;
}

async function queryPage(pool: pg.Pool, filter: AuditFilter, after: AuditCursor | null, limit: number): Promise<AuditRow[]> {
  const where = auditWhere(filter, after);
  const { rows } = await pool.query<AuditRow>(
    `SELECT ${COLUMNS} FROM ${FROM} ${where.sql} ORDER BY a.created_at DESC, a.id DESC LIMIT ${Math.max(1, Math.floor(limit))}`,
    where.values,
  );
  return rows;
}

/** Opaque to clients: the last row's (created_at, id), base64url. */
export function encodeCursor(row: Pick<AuditRow, 'createdAt' | 'id'>): string {
  return Buffer.from(JSON.stringify([row.createdAt.toISOString(), row.id])).toString('base64url');
}

export class InvalidCursorError extends Error {
  constructor() {
    super('This page link is no longer valid; start from the first page.');
  }
}

export function decodeCursor(cursor: string | null | undefined): AuditCursor | null {
  if (!cursor) return null;
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    const createdAt = new Date(String(at));
    if (typeof id !== 'string' || Number.isNaN(createdAt.getTime())) throw new InvalidCursorError();
    return { createdAt, id };
  } catch {
    throw new InvalidCursorError();
  }
}
