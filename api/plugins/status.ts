import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { temporalUiRunUrl } from '../../lib/temporal/ui-links.js';
import { requireAdmin, requireAuth } from '../auth/context.js';
import type { ApiContext } from '../deps.js';
import type { RouteReply, RouteRequest } from '../routes.js';
import { apiHealthSchema, checkApiHealth, componentStatusSchema } from './health.js';

const lastHealthCheckSchema = z.object({
  workflowId: z.string(),
  runId: z.string(),
  status: z.enum(['ok', 'degraded', 'failed', 'running']),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  components: z.array(componentStatusSchema),
  temporalUiUrl: z.string(),
});

export const statusResponseSchema = z.object({
  api: apiHealthSchema,
  lastHealthCheck: lastHealthCheckSchema.nullable(),
  temporalUiBaseUrl: z.string(),
});

const startedSchema = z.object({ workflowId: z.string(), runId: z.string(), temporalUiUrl: z.string() });

const readStatus = { schema: { response: { 200: statusResponseSchema } } };
const runCheck = { schema: { response: { 202: startedSchema } } };

/** System status for the dashboard (prefix /api/status): the API's live view plus the last health-check run. */
export function statusPlugin(ctx: ApiContext): FastifyPluginAsyncZod {
  const { env, prisma, workflows } = ctx;
  const runUrl = (workflowId: string, runId: string) => temporalUiRunUrl(env.TEMPORAL_UI_URL, env.TEMPORAL_NAMESPACE, workflowId, runId);

  return async (app) => {
    app.get('', readStatus, readSystemStatus);
    // Operators only: a merchant sees the status, but starting checks is an ops action.
    app.post('/health-check', runCheck, runHealthCheck);
  };

  async function readSystemStatus(request: RouteRequest<typeof readStatus.schema>) {
    requireAuth(request);
    const [api, last] = await Promise.all([
      checkApiHealth(ctx),
      prisma.healthCheckRun.findFirst({ orderBy: { startedAt: 'desc' } }).catch(() => null),
    ]);
    const components = z.array(componentStatusSchema).catch([]).parse(last?.components ?? []);
    return {
      api,
      lastHealthCheck: last && {
        workflowId: last.workflowId,
        runId: last.runId,
        status: last.status,
        startedAt: last.startedAt.toISOString(),
        finishedAt: last.finishedAt?.toISOString() ?? null,
        components,
        temporalUiUrl: runUrl(last.workflowId, last.runId),
      },
      temporalUiBaseUrl: env.TEMPORAL_UI_URL,
    };
  }

  async function runHealthCheck(request: RouteRequest<typeof runCheck.schema>, reply: RouteReply<typeof runCheck.schema>) {
    requireAdmin(request);
    const run = await workflows.healthChecks.startManual();
    return reply.code(202).send({ workflowId: run.workflowId, runId: run.runId, temporalUiUrl: runUrl(run.workflowId, run.runId) });
  }
}
