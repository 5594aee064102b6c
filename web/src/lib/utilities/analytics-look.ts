/**
 * How analytics reads: each metric's label, its colour (the same in every chart and legend), which way is
 * good, and how values, deltas and bucket labels are written. Pure functions with no imports, so unit tests
 * load this file outside SvelteKit.
 */

export type Direction = 'up' | 'down' | 'neither';

export interface MetricLook {
  label: string;
  /** Colour in charts and legends: fixed per metric, so "AI replies" is the same purple everywhere. */
  colour: string;
  /** Which way of change is good news (green); the other way is red. */
  good: Direction;
  help: string;
}

export const METRIC_LOOK: Record<string, MetricLook> = {
  messages_in: { label: 'Messages in', colour: '#2f6fde', good: 'neither', help: 'Customer messages received.' },
  messages_out: { label: 'Messages out', colour: '#1f8a70', good: 'neither', help: 'Messages sent to customers, by the AI, by you or by broadcasts.' },
  ai_replies: { label: 'AI replies', colour: '#7a4cc2', good: 'up', help: 'Answers the AI sent.' },
  ai_fallbacks: { label: 'AI fallbacks', colour: '#d9822b', good: 'down', help: 'Times the AI sent its safe fallback answer (model unavailable, or an answer it could not verify).' },
  answer_check_replacements: { label: 'Answer-check replacements', colour: '#c2477a', good: 'down', help: 'Drafts the answer check refused because a price or SKU was not in your catalog.' },
  delivery_failures: { label: 'Delivery failures', colour: '#b4232f', good: 'down', help: 'Messages Twilio could not deliver, counted in the hour they were sent.' },
  conversations_started: { label: 'Conversations started', colour: '#0f7b8a', good: 'up', help: 'New customers who wrote for the first time.' },
  opt_outs: { label: 'Opt-outs', colour: '#8a5a00', good: 'down', help: 'Customers who asked to stop receiving messages.' },
  takeovers: { label: 'Takeovers', colour: '#5b6475', good: 'neither', help: 'Conversations a person took over from the AI.' },
  replies_used: { label: 'Replies used', colour: '#3d4b8f', good: 'neither', help: 'AI replies counted against your plan.' },
  fallback_rate: { label: 'AI fallback rate', colour: '#d9822b', good: 'down', help: 'Share of AI replies that were the fallback answer.' },
  first_response_p50: { label: 'First response (median)', colour: '#1f6f5c', good: 'down', help: 'Time from a customer’s message to the AI’s reply, for half of the replies.' },
  first_response_p90: { label: 'First response (p90)', colour: '#9fb8b0', good: 'down', help: '9 replies in 10 were at least this fast.' },
};

export function lookOf(metric: string): MetricLook {
  return METRIC_LOOK[metric] ?? { label: metric.replaceAll('_', ' '), colour: '#8a92a1', good: 'neither', help: '' };
}

export interface Delta {
  /** `▲ 12 %`, `▼ 3 %`, `new`, `no change`, or `—` when there is nothing to compare. */
  text: string;
  tone: 'good' | 'bad' | 'neutral';
  /** For screen readers and tooltips: `up 12 % from 41`. */
  description: string;
}

/** The change from the previous period, coloured by whether that is good for this metric. */
export function deltaOf(current: number | null, previous: number | null, good: Direction, formatPrevious: (n: number) => string = String): Delta {
  if (current === null || previous === null) return { text: '—', tone: 'neutral', description: 'nothing to compare with' };
  if (current === previous) return { text: 'no change', tone: 'neutral', description: `same as before (${formatPrevious(previous)})` };
  const up = current > previous;
  const tone = good === 'neither' ? 'neutral' : (good === 'up') === up ? 'good' : 'bad';
  if (previous === 0) return { text: '▲ new', tone, description: 'none in the previous period' };
  const pct = Math.round((Math.abs(current - previous) / Math.abs(previous)) * 100);
  return { text: `${up ? '▲' : '▼'} ${pct} %`, tone, description: `${up ? 'up' : 'down'} ${pct} % from ${formatPrevious(previous)}` };
}

/** `4.2 s`, `1 min 5 s`, `850 ms`; `—` without data. */
export function formatResponseTime(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds % 60)} s`;
}

/** `12.5 %`; `—` without data. */
export function formatRate(rate: number | null): string {
  if (rate === null) return '—';
  return `${(rate * 100).toFixed(rate < 0.1 ? 1 : 0)} %`;
}

/** A bucket's label on the chart's axis, in the zone the range is counted in. */
export function bucketLabel(iso: string, bucket: 'hour' | 'day', timeZone: string, spanDays: number): string {
  const options: Intl.DateTimeFormatOptions =
    bucket === 'day'
      ? { month: 'short', day: 'numeric', timeZone }
      : spanDays > 7
        ? { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone }
        : spanDays > 1
        ? { weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone }
        : { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone };
  return formatterFor(options).format(new Date(iso));
}

/** `Nov 3 – Nov 9, 2026` / `Nov 9, 14:00 – Nov 10, 14:00`: the range in its zone. */
export function rangeLabel(fromIso: string, toIso: string, bucket: 'hour' | 'day', timeZone: string): string {
  const from = new Date(fromIso);
  // `to` is exclusive: a range of days ends on the day before it.
  const last = new Date(new Date(toIso).getTime() - (bucket === 'day' ? 1 : 0));
  const options: Intl.DateTimeFormatOptions =
    bucket === 'day' ? { month: 'short', day: 'numeric', year: 'numeric', timeZone } : { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone };
  const format = formatterFor(options);
  return `${format.format(from)} – ${format.format(bucket === 'day' ? last : new Date(toIso))}`;
}

/** Today in a zone, `YYYY-MM-DD`, for the custom range's defaults. */
export function localDay(epochMs: number, timeZone: string): string {
  return formatterFor({ year: 'numeric', month: '2-digit', day: '2-digit', timeZone }, 'en-CA').format(new Date(epochMs));
}

/** The browser's zone, when it has one Intl can name. */
export function browserTimeZone(): string | null {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone ?? null;
  } catch {
    return null;
  }
}

/** Every zone this browser knows (for the picker), the current one included even if it is not listed. */
export function timeZones(current: string): string[] {
  const all = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return all.includes(current) ? all : [current, ...all];
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(options: Intl.DateTimeFormatOptions, locale = 'en'): Intl.DateTimeFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let format = formatters.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, options);
    formatters.set(key, format);
  }
  return format;
}
