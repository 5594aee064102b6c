// The health check's result in Prometheus' text format, for node_exporter's textfile collector: hosts
// that already scrape node_exporter get WARA's health without scraping WARA.
import type { HealthCheckResult } from './types.js';

export const HEALTH_TEXTFILE_NAME = 'wara_health.prom';

/** A label value as the exposition format wants it: backslash, quote and newline escaped. */
const label = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export function healthTextfile(result: HealthCheckResult, finishedAtSeconds: number, trigger: string): string {
  const lines: string[] = [];
  const metric = (name: string, help: string, samples: Array<[labels: string, value: number]>) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
    for (const [labels, value] of samples) lines.push(`${name}${labels} ${Number.isFinite(value) ? value : 0}`);
  };
  metric('wara_health_check_success', 'Whether the last WARA health check found no component down (1) or not (0).', [['', result.status === 'failed' ? 0 : 1]]);
  metric(
    'wara_health_check_status',
    "The last WARA health check's outcome: 1 for its status, 0 for the others.",
    (['ok', 'degraded', 'failed'] as const).map((s) => [`{status="${s}"}`, result.status === s ? 1 : 0]),
  );
  metric(
    'wara_health_check_last_run_timestamp_seconds',
    'When the last WARA health check finished (Unix time); alert when it is older than two hours.',
    [[`{trigger="${label(trigger)}"}`, Math.round(finishedAtSeconds)]],
  );
  metric('wara_health_component_up', 'Per component: 1 up or degraded, 0 down.', result.components.map((c) => [`{component="${label(c.name)}"}`, c.status === 'down' ? 0 : 1]));
  metric('wara_health_component_degraded', 'Per component: 1 when it answered but degraded.', result.components.map((c) => [`{component="${label(c.name)}"}`, c.status === 'degraded' ? 1 : 0]));
  const timed = result.components.filter((c) => c.latencyMs !== null);
  if (timed.length > 0) {
    metric('wara_health_component_latency_seconds', 'Per component: how long its probe took.', timed.map((c) => [`{component="${label(c.name)}"}`, (c.latencyMs ?? 0) / 1000]));
  }
  return `${lines.join('\n')}\n`;
}
