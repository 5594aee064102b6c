import { z } from 'zod';
import { requestJson, type Fetch } from './api.ts';

// The contract of the API's `/api/status` endpoints. Responses are validated, so a malformed
// answer surfaces as a readable error instead of breaking the page.

// Links are rendered as hrefs, so only http(s) is accepted (never `javascript:`).
const httpUrl = z.url({ protocol: /^https?$/ });

export const componentStatusSchema = z.object({
  name: z.string(),
  status: z.enum(['up', 'down', 'degraded']),
  latencyMs: z.number().nonnegative().nullable(),
  detail: z.string().nullable(),
});

export const healthCheckRunSchema = z.object({
  workflowId: z.string(),
  runId: z.string(),
  status: z.enum(['ok', 'degraded', 'failed', 'running']),
  startedAt: z.iso.datetime({ offset: true }),
  finishedAt: z.iso.datetime({ offset: true }).nullable(),
  components: z.array(componentStatusSchema),
  temporalUiUrl: httpUrl.nullable(),
});

export const statusResponseSchema = z.object({
  api: z.object({
    status: z.enum(['ok', 'degraded', 'down']),
    checkedAt: z.iso.datetime({ offset: true }),
    components: z.array(componentStatusSchema),
  }),
  lastHealthCheck: healthCheckRunSchema.nullable(),
  // Operators only; merchants get null (the Temporal UI shows every tenant's runs).
  temporalUiBaseUrl: httpUrl.nullable(),
});

export const healthCheckStartedSchema = z.object({
  workflowId: z.string(),
  runId: z.string(),
  temporalUiUrl: httpUrl.nullable(),
});

export type ComponentStatus = z.infer<typeof componentStatusSchema>;
export type HealthCheckRun = z.infer<typeof healthCheckRunSchema>;
export type StatusResponse = z.infer<typeof statusResponseSchema>;
export type HealthCheckStarted = z.infer<typeof healthCheckStartedSchema>;

export function fetchStatus(fetchFn?: Fetch): Promise<StatusResponse> {
  return requestJson('/api/status', statusResponseSchema, { cache: 'no-store' }, fetchFn);
}

/** Starts the health-check workflow now (the API answers 202 with the run it started). */
export function startHealthCheck(fetchFn?: Fetch): Promise<HealthCheckStarted> {
  return requestJson(
    '/api/status/health-check',
    healthCheckStartedSchema,
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' },
    fetchFn,
  );
}

/** True once the given run is the latest one the API knows and it has finished. */
export function isRunFinished(status: StatusResponse, runId: string): boolean {
  const run = status.lastHealthCheck;
  return run !== null && run.runId === runId && run.finishedAt !== null;
}
