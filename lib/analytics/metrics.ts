// What analytics counts. The facts themselves are defined where they are captured, in SQL (the triggers of
// migration 20261201120000_analytics_rollups); this module names them for the API and holds the one thing
// the database does not: the first-response histogram's bins, and how percentiles are read from them.

/** Counted per hour (rollup `count`); `first_response_ms` also sums milliseconds, per histogram bin. */
export const COUNT_METRICS = [
  'messages_in',
  'messages_out',
  'ai_replies',
  'ai_fallbacks',
  'answer_check_replacements',
  'delivery_failures',
  'conversations_started',
  'opt_outs',
  'takeovers',
  'replies_used',
] as const;
export type CountMetric = (typeof COUNT_METRICS)[number];

export const FIRST_RESPONSE_METRIC = 'first_response_ms';

/**
 * Upper bounds (ms, exclusive) of the first-response histogram's bins; a time at or past the last bound
 * falls in the open bin `inf`. Fixed, because rollups add up bins: changing them takes a rebuild (the raw
 * milliseconds stay in the event log). Narrow where replies usually land (seconds), wide in the tail.
 */
export const FIRST_RESPONSE_BINS_MS = [
  1_000, 2_000, 3_000, 4_000, 5_000, 6_000, 8_000, 10_000, 15_000, 20_000, 30_000, 45_000, 60_000, 90_000, 120_000, 180_000, 300_000,
  600_000, 1_800_000, 3_600_000,
] as const;

/** A histogram bin as stored in a rollup's dimension: its upper bound in ms, or `inf`. */
export interface LatencyBin {
  /** Exclusive upper bound in ms; null for the open last bin. */
  upperMs: number | null;
  count: number;
}

/** The bin's label in `analytics_rollups.dimension`, as the refresh writes it. */
export function binOfDimension(dimension: string): number | null {
  if (dimension === 'inf') return null;
  const ms = Number(dimension);
  return Number.isFinite(ms) ? ms : null;
}

/**
 * The p-quantile (0 < p < 1) of the times in a histogram, interpolated linearly inside the bin that holds
 * it (as Prometheus' histogram_quantile does): exact to within that bin's width. The open last bin answers
 * its lower bound (the largest we can say). Null without data.
 */
export function quantileFromBins(bins: readonly LatencyBin[], p: number): number | null {
  const sorted = [...bins].filter((b) => b.count > 0).sort((a, b) => (a.upperMs ?? Infinity) - (b.upperMs ?? Infinity));
  const total = sorted.reduce((n, b) => n + b.count, 0);
  if (total <= 0) return null;
  const rank = p * total;
  let below = 0;
  for (const bin of sorted) {
    if (below + bin.count >= rank) {
      const lower = lowerBoundOf(bin.upperMs);
      if (bin.upperMs === null) return lower;
      return Math.round(lower + ((bin.upperMs - lower) * (rank - below)) / bin.count);
    }
    below += bin.count;
  }
  return lowerBoundOf(sorted.at(-1)!.upperMs);
}

/** The bin's inclusive lower bound: the previous bin's upper bound, 0 for the first. */
export function lowerBoundOf(upperMs: number | null): number {
  const bounds: readonly number[] = FIRST_RESPONSE_BINS_MS;
  if (upperMs === null) return bounds.at(-1)!;
  const index = bounds.indexOf(upperMs);
  return index > 0 ? bounds[index - 1]! : 0;
}

/** The bin a time falls in (what the refresh computes in SQL with width_bucket), for tests and checks. */
export function binOf(ms: number): number | null {
  return FIRST_RESPONSE_BINS_MS.find((upper) => ms < upper) ?? null;
}
