import { ApiError } from '#lib/services/api.ts';
import {
  analyticsCsvUrl,
  fetchAnalytics,
  saveTimeZone,
  startRebuild,
  type AnalyticsReport,
  type AnalyticsScope,
  type RangeSelection,
  type RebuildStarted,
} from '#lib/services/analytics.ts';
import { localDay } from '#lib/utilities/analytics-look.ts';
import { VisiblePoller } from './visible-poller.ts';

/** The rollups are refreshed every minute; reading them as often keeps an open page current. */
const POLL_MS = 60_000;

/**
 * State of an Analytics page (a merchant's `/app/analytics`, or the platform's at `/ops/analytics`): the
 * range asked for, the report shown, and for operators a rebuild in flight. Polls once a minute while the
 * tab is visible; an answer to an older range never replaces a newer one.
 */
export class AnalyticsPage {
  readonly scope: AnalyticsScope;
  selection = $state<RangeSelection>({ preset: '7d', from: '', to: '', bucket: null, timeZone: 'UTC' });
  report = $state<AnalyticsReport | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);
  savingZone = $state(false);
  rebuild = $state<{ busy: boolean; started: RebuildStarted | null; error: string | null }>({ busy: false, started: null, error: null });

  readonly #poller: VisiblePoller;
  #generation = 0;

  constructor(scope: AnalyticsScope) {
    this.scope = scope;
    this.#poller = new VisiblePoller(() => this.load({ quiet: true }), POLL_MS);
  }

  get csvUrl(): string {
    return analyticsCsvUrl(this.scope, this.selection);
  }

  /** The zone days and hours are counted in: the report's once loaded (the merchant's setting). */
  get timeZone(): string {
    return this.report?.timeZone ?? this.selection.timeZone;
  }

  start(): void {
    void this.load();
    this.#poller.start();
  }

  stop(): void {
    this.#poller.dispose();
  }

  choose(change: Partial<RangeSelection>): void {
    const next = { ...this.selection, ...change };
    if (next.preset === 'custom' && (!next.from || !next.to)) {
      // A first custom range: the last 14 days, in the zone the report is counted in.
      next.to ||= localDay(Date.now(), this.timeZone);
      next.from ||= localDay(Date.now() - 13 * 24 * 60 * 60 * 1000, this.timeZone);
    }
    this.selection = next;
    void this.load();
  }

  async load(options: { quiet?: boolean } = {}): Promise<void> {
    const generation = ++this.#generation;
    if (!options.quiet) this.loading = true;
    try {
      const report = await fetchAnalytics(this.scope, this.selection);
      if (generation !== this.#generation) return;
      this.report = report;
      this.error = null;
    } catch (error) {
      if (generation !== this.#generation) return;
      this.error = describe(error);
    } finally {
      if (generation === this.#generation) this.loading = false;
    }
  }

  /** The merchant's time zone (every day and hour of their analytics). */
  async changeTimeZone(timeZone: string): Promise<void> {
    this.savingZone = true;
    try {
      await saveTimeZone(timeZone);
      this.error = null;
      await this.load();
    } catch (error) {
      this.error = describe(error);
    } finally {
      this.savingZone = false;
    }
  }

  async startRebuild(tenantId: string | null): Promise<void> {
    this.rebuild = { busy: true, started: null, error: null };
    try {
      this.rebuild = { busy: false, started: await startRebuild(tenantId), error: null };
    } catch (error) {
      this.rebuild = { busy: false, started: null, error: describe(error) };
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return 'Something went wrong while loading analytics.';
}
