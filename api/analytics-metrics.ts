// The analytics refresh on /metrics: how far behind the rollups are and what the last refresh cost, read
// from the watermark row at scrape time (one indexed row), so every API instance reports the same truth.
import type pg from 'pg';
import { Gauge, type Registry } from 'prom-client';
import { readAnalyticsFreshness } from '../lib/analytics/freshness.js';
import { oncePerScrape } from './metrics.js';

export function registerAnalyticsMetrics(registry: Registry, pool: pg.Pool): void {
  const read = oncePerScrape(() => readAnalyticsFreshness(pool));

  new Gauge({
    name: 'wara_analytics_refresh_lag_seconds',
    help: 'Seconds since the instant up to which the analytics rollups hold every event (NaN: never refreshed)',
    registers: [registry],
    async collect() {
      const f = await read();
      this.set(f?.lagMs == null ? Number.NaN : f.lagMs / 1000);
    },
  });
  new Gauge({
    name: 'wara_analytics_refresh_duration_seconds',
    help: 'Database time of the last finished analytics refresh batch (all its chunks)',
    registers: [registry],
    async collect() {
      const f = await read();
      this.set(f?.lastRefreshMs == null ? Number.NaN : f.lastRefreshMs / 1000);
    },
  });
  new Gauge({
    name: 'wara_analytics_refresh_events',
    help: 'Events counted by the last finished analytics refresh batch',
    registers: [registry],
    async collect() {
      const f = await read();
      this.set(f?.lastRefreshEvents ?? Number.NaN);
    },
  });
}
