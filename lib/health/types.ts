/** Shared by the health-check workflow, its activities, the API and (as JSON) the dashboard. */
export type ComponentState = 'up' | 'down' | 'degraded';

export interface ComponentStatus {
  name: string;
  status: ComponentState;
  latencyMs: number | null;
  detail: string | null;
}

export type HealthCheckOutcome = 'ok' | 'degraded' | 'failed';

export interface HealthCheckResult {
  status: HealthCheckOutcome;
  components: ComponentStatus[];
}

/** Overall outcome: any component down fails the check; degraded ones only degrade it. */
export function summarize(components: readonly ComponentStatus[]): HealthCheckOutcome {
  if (components.some((c) => c.status === 'down')) return 'failed';
  if (components.some((c) => c.status === 'degraded')) return 'degraded';
  return 'ok';
}
