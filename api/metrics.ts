import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per API instance so tests can build several apps without metric name clashes. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'wara_api_' });
  const httpRequests = new Counter({
    name: 'wara_http_requests_total',
    help: 'HTTP requests by route and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'wara_http_request_duration_seconds',
    help: 'HTTP request duration by route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  return { registry, httpRequests, httpDuration };
}

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * A database read shared by the gauges of one scrape (each gauge's collect() runs once per scrape, all at
 * once): the first caller starts it, the others get the same promise for a second. A failed read is null, so a
 * database outage makes the gauges NaN rather than the scrape fail.
 */
export function oncePerScrape<T>(read: () => Promise<T>): () => Promise<T | null> {
  let last: Promise<T | null> | null = null;
  return () => (last ??= read().catch(() => null).finally(() => setTimeout(() => (last = null), 1_000).unref()));
}
