import type { Readable } from 'node:stream';
import type pg from 'pg';
import { csvStream, type CsvRow } from '../csv/writer.js';
import { maskIp } from './ip-mask.js';
import { auditWhere, type AuditFilter } from './query.js';

export const AUDIT_CSV_HEADER = [
  'time_utc', 'action', 'tenant_id', 'tenant_name', 'actor_type', 'actor_user_id', 'actor_email', 'workflow_id',
  'target_type', 'target_id', 'ip_masked', 'details', 'entry_id',
] as const;

export interface AuditExportOptions {
  /** Merchants do not see which staff member acted: operator rows name no email. */
  hideOperatorIdentity?: boolean;
  /** Rows read per query (keyset pages): the most the export holds in memory at once. */
  pageSize?: number;
  onError?: (err: Error) => void;
}

/**
 * The filtered trail as a CSV download, streamed: one page of rows in memory at a time, read from the
 * database only as fast as the client takes the file. IPs are masked as in the viewer.
 */
export function auditCsv(pool: pg.Pool, filter: AuditFilter, options: AuditExportOptions = {}): Readable {
  return csvStream(AUDIT_CSV_HEADER, exportRows(pool, filter, options.pageSize ?? 2_000, options.hideOperatorIdentity ?? false), options.onError);
}

// Columns in AUDIT_CSV_HEADER's order, as text from Postgres: the export formats nothing it can have
// formatted for it (no Date or JSON objects per row: a million rows make a lot of garbage otherwise).
const EXPORT_COLUMNS = `to_char(a.created_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), a.action, a.tenant_id, t.name, a.actor_type::text,
  a.actor_user_id, u.email, a.workflow_id, a.target_type, a.target_id, a.ip, a.details::text, a.id, a.created_at::text`;
const TIME = 0;
const ACTOR_TYPE = 4;
const ACTOR_USER = 5;
const ACTOR_EMAIL = 6;
const IP = 10;
const ID = 12;
/** The row's own timestamp, exactly as stored (microseconds and all), for the next page's keyset. */
const RAW_TIME = 13;

type ExportRow = Array<string | null>;

async function* exportRows(pool: pg.Pool, filter: AuditFilter, pageSize: number, hideOperators: boolean): AsyncGenerator<CsvRow[]> {
  let after: { createdAt: string; id: string } | null = null;
  for (;;) {
    const where = auditWhere(filter);
    const values = [...where.values];
    const keyset: string = after ? `${where.sql ? ' AND' : 'WHERE'} (a.created_at, a.id) < ($${values.push(after.createdAt)}::timestamp, $${values.push(after.id)})` : '';
    const { rows }: { rows: ExportRow[] } = await pool.query<ExportRow>({
      text: `SELECT ${EXPORT_COLUMNS}
             FROM audit_logs a LEFT JOIN tenants t ON t.id = a.tenant_id LEFT JOIN users u ON u.id = a.actor_user_id
             ${where.sql}${keyset} ORDER BY a.created_at DESC, a.id DESC LIMIT ${Math.max(1, Math.floor(pageSize))}`,
      values,
      rowMode: 'array',
    });
    yield rows.map((row) => {
      const hidden = hideOperators && row[ACTOR_TYPE] === 'operator';
      return [
        row[TIME], row[1], row[2], row[3], row[ACTOR_TYPE],
        hidden ? null : row[ACTOR_USER], hidden ? null : row[ACTOR_EMAIL],
        row[7], row[8], row[9], maskIp(row[IP]), row[11], row[ID],
      ];
    });
    const last: ExportRow | undefined = rows[rows.length - 1];
    if (!last || rows.length < pageSize) return;
    after = { createdAt: last[RAW_TIME]!, id: last[ID]! };
  }
}
