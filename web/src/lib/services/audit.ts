import { z } from 'zod';
import { requestJson, type Fetch } from './api.ts';

// The contract of the API's audit trail: `/api/audit` (a merchant's own shop) and `/api/ops/audit`
// (operators: every tenant). Same answers, one more filter for operators.

export const auditEntrySchema = z.object({
  id: z.string(),
  createdAt: z.iso.datetime({ offset: true }),
  action: z.string(),
  tenant: z.object({ id: z.string(), name: z.string().nullable() }).nullable(),
  actor: z.object({ type: z.string(), userId: z.string().nullable(), email: z.string().nullable(), workflowId: z.string().nullable() }),
  target: z.object({ type: z.string().nullable(), id: z.string().nullable() }),
  /** Already masked by the API (203.0.113.x). */
  ip: z.string().nullable(),
});

export const auditPageSchema = z.object({ items: z.array(auditEntrySchema), nextCursor: z.string().nullable() });

export const auditDetailSchema = auditEntrySchema.extend({
  details: z.unknown(),
  // Rendered as an href, so only http(s).
  workflowUrl: z.url({ protocol: /^https?$/ }).nullable(),
});

export type AuditEntry = z.infer<typeof auditEntrySchema>;
export type AuditPage = z.infer<typeof auditPageSchema>;
export type AuditDetail = z.infer<typeof auditDetailSchema>;

/** Whose trail: the merchant's own, or every tenant's (operators). */
export type AuditScope = 'tenant' | 'operator';

/** The filters as the page holds them: empty strings mean "any"; dates are `YYYY-MM-DD` in local time. */
export interface AuditFilters {
  action: string;
  tenant: string;
  actor: string;
  from: string;
  to: string;
}

export const emptyAuditFilters = (): AuditFilters => ({ action: '', tenant: '', actor: '', from: '', to: '' });

const base = (scope: AuditScope) => (scope === 'operator' ? '/api/ops/audit' : '/api/audit');

/** The API's query for these filters: a date range becomes [from 00:00, the day after `to` 00:00) in local time. */
export function auditQuery(scope: AuditScope, filters: AuditFilters): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.action.trim()) params.set('action', filters.action.trim());
  if (scope === 'operator' && filters.tenant) params.set('tenant', filters.tenant);
  if (filters.actor.trim()) params.set('actor', filters.actor.trim());
  const from = localMidnight(filters.from, 0);
  const to = localMidnight(filters.to, 1);
  if (from) params.set('from', from);
  if (to) params.set('to', to);
  return params;
}

function localMidnight(day: string, plusDays: number): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return null;
  const date = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + plusDays);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

export function fetchAuditPage(scope: AuditScope, filters: AuditFilters, cursor: string | null, fetchFn?: Fetch): Promise<AuditPage> {
  const params = auditQuery(scope, filters);
  if (cursor) params.set('cursor', cursor);
  const query = params.toString();
  return requestJson(`${base(scope)}${query ? `?${query}` : ''}`, auditPageSchema, { cache: 'no-store' }, fetchFn);
}

export function fetchAuditEntry(scope: AuditScope, id: string, fetchFn?: Fetch): Promise<AuditDetail> {
  return requestJson(`${base(scope)}/${encodeURIComponent(id)}`, auditDetailSchema, { cache: 'no-store' }, fetchFn);
}

/** The CSV of everything the filters match (a plain link: the browser downloads the stream). */
export function auditExportUrl(scope: AuditScope, filters: AuditFilters): string {
  const query = auditQuery(scope, filters).toString();
  return `${base(scope)}/export.csv${query ? `?${query}` : ''}`;
}
