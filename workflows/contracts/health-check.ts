// The health check workflow's contract: run hourly by a Schedule and on demand by operators.
import type { HealthCheckResult } from '../../lib/health/types.js';

export const healthCheckWorkflowType = 'healthCheckWorkflow';
export type HealthCheckWorkflow = (input: HealthCheckInput) => Promise<HealthCheckResult>;

export interface HealthCheckInput {
  trigger: 'scheduled' | 'manual';
  /**
   * A component found down is probed once more after this pause before anyone is paged: a blip
   * (a restart, one slow query) should not wake ops. Manual runs pass 0 to answer at once.
   */
  recheckAfterMs?: number;
}
