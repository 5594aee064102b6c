// The two readings the page makes of rollups: percentiles from the histogram (and that the refresh's SQL puts
// a time in the bin metrics.ts says), and the delta chip's words and colour.
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { binOf, FIRST_RESPONSE_BINS_MS, quantileFromBins } from '../../lib/analytics/metrics.js';
import { firstResponseBins, latencyBin } from '../../lib/analytics/refresh.js';
import { deltaOf, formatRate, formatResponseTime } from '../../web/src/lib/utilities/analytics-look.js';

describe('first-response percentiles', () => {
  it('are read from the histogram, within the bin of the exact value', () => {
    const times = Array.from({ length: 1000 }, (_, i) => 500 + ((i * 7919) % 90_000));
    const bins = new Map<number | null, number>();
    for (const t of times) bins.set(binOf(t), (bins.get(binOf(t)) ?? 0) + 1);
    const histogram = [...bins].map(([upperMs, count]) => ({ upperMs, count }));
    const sorted = [...times].sort((a, b) => a - b);
    for (const p of [0.5, 0.9]) {
      const exact = sorted[Math.ceil(p * sorted.length) - 1]!;
      expect(binOf(quantileFromBins(histogram, p)!)).toBe(binOf(exact));
    }
    expect(quantileFromBins([], 0.5)).toBeNull();
    expect(quantileFromBins([{ upperMs: null, count: 3 }], 0.9)).toBe(3_600_000);
  });

  it('use the same bins in SQL (the refresh) as in TypeScript (the reading)', async () => {
    const client = new pg.Client({ connectionString: inject('databaseUrl') });
    await client.connect();
    try {
      const samples = [0, 999, 1_000, 1_001, 4_999, 5_000, 59_999, 60_000, 3_599_999, 3_600_000, 9_000_000];
      const { rows } = await client.query<{ ms: string; dimension: string }>(
        `SELECT v::text AS ms, ${latencyBin('v', '$1')} AS dimension FROM unnest($2::bigint[]) AS v`,
        [firstResponseBins(), samples],
      );
      for (const row of rows) expect(row.dimension).toBe(String(binOf(Number(row.ms)) ?? 'inf'));
      expect(FIRST_RESPONSE_BINS_MS.length).toBe(20);
    } finally {
      await client.end();
    }
  });
});

describe('the delta against the previous period', () => {
  it('says which way and how much, coloured by whether that is good for the metric', () => {
    expect(deltaOf(112, 100, 'up')).toMatchObject({ text: '▲ 12 %', tone: 'good' });
    expect(deltaOf(112, 100, 'down')).toMatchObject({ text: '▲ 12 %', tone: 'bad' });
    expect(deltaOf(90, 100, 'down')).toMatchObject({ text: '▼ 10 %', tone: 'good' });
    expect(deltaOf(5, 0, 'up')).toMatchObject({ text: '▲ new', tone: 'good' });
    expect(deltaOf(7, 7, 'up')).toMatchObject({ text: 'no change', tone: 'neutral' });
    expect(deltaOf(3, 9, 'neither')).toMatchObject({ text: '▼ 67 %', tone: 'neutral' });
    expect(deltaOf(null, 9, 'down').text).toBe('—');
    expect(formatResponseTime(4_250)).toBe('4.3 s');
    expect(formatResponseTime(65_000)).toBe('1 min 5 s');
    expect(formatRate(0.125)).toBe('13 %');
    expect(formatRate(0.045)).toBe('4.5 %');
  });
});
