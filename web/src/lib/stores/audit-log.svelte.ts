import { ApiError } from '#lib/services/api.ts';
import {
  auditExportUrl,
  emptyAuditFilters,
  fetchAuditEntry,
  fetchAuditPage,
  type AuditDetail,
  type AuditEntry,
  type AuditFilters,
  type AuditScope,
} from '#lib/services/audit.ts';
import { fetchOpsTenants, type OpsTenant } from '#lib/services/ops.ts';

/**
 * State of an audit log page (a merchant's `/app/audit`, or every tenant's at `/ops/audit`): the filters,
 * the entries read so far (newest first, one keyset page at a time), and the entry opened for its details.
 * No polling: the trail is read on demand.
 */
export class AuditLog {
  readonly scope: AuditScope;
  /** What the form holds; `applied` is what the list shows (and what the export downloads). */
  filters = $state<AuditFilters>(emptyAuditFilters());
  applied = $state<AuditFilters>(emptyAuditFilters());
  entries = $state<AuditEntry[] | null>(null);
  nextCursor = $state<string | null>(null);
  loading = $state(false);
  loadingMore = $state(false);
  error = $state<string | null>(null);
  /** The entry whose details are shown, or null. */
  opened = $state<AuditDetail | null>(null);
  openingId = $state<string | null>(null);
  /** Operators pick a tenant to filter on. */
  tenants = $state<OpsTenant[]>([]);

  /** Answers to an older filter are dropped: only the latest request may change the list. */
  #generation = 0;

  constructor(scope: AuditScope) {
    this.scope = scope;
  }

  get exportUrl(): string {
    return auditExportUrl(this.scope, this.applied);
  }

  get filtered(): boolean {
    return Object.values(this.applied).some((v) => v.trim() !== '');
  }

  start(): void {
    void this.load();
    if (this.scope === 'operator') void this.#loadTenants();
  }

  applyFilters(): void {
    this.applied = { ...this.filters };
    void this.load();
  }

  clearFilters(): void {
    this.filters = emptyAuditFilters();
    this.applyFilters();
  }

  async load(): Promise<void> {
    const generation = ++this.#generation;
    this.loading = true;
    try {
      const page = await fetchAuditPage(this.scope, this.applied, null);
      if (generation !== this.#generation) return;
      this.entries = page.items;
      this.nextCursor = page.nextCursor;
      this.error = null;
    } catch (error) {
      if (generation === this.#generation) this.error = describe(error);
    } finally {
      if (generation === this.#generation) this.loading = false;
    }
  }

  /** The next (older) page, appended: keyset on (time, id), so no entry is skipped or shown twice. */
  async loadMore(): Promise<void> {
    if (!this.nextCursor || this.loadingMore) return;
    const generation = this.#generation;
    this.loadingMore = true;
    try {
      const page = await fetchAuditPage(this.scope, this.applied, this.nextCursor);
      if (generation !== this.#generation) return;
      this.entries = [...(this.entries ?? []), ...page.items];
      this.nextCursor = page.nextCursor;
      this.error = null;
    } catch (error) {
      if (generation === this.#generation) this.error = describe(error);
    } finally {
      this.loadingMore = false;
    }
  }

  async open(id: string): Promise<void> {
    this.openingId = id;
    try {
      this.opened = await fetchAuditEntry(this.scope, id);
      this.error = null;
    } catch (error) {
      this.error = describe(error);
    } finally {
      this.openingId = null;
    }
  }

  close(): void {
    this.opened = null;
  }

  async #loadTenants(): Promise<void> {
    try {
      this.tenants = await fetchOpsTenants();
    } catch {
      // The tenant list only feeds the filter's choices; the log itself reports its own errors.
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return 'Something went wrong while reading the audit log.';
}
