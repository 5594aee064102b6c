import { WorkflowIdReusePolicy } from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { temporalUiRunUrl, workflowIds } from '../../lib/temporal/names.js';
import type { healthCheckWorkflow } from '../../workflows/health-check.js';
import { requireAdmin, requireAuth } from '../auth/context.js';
import type { ApiDeps } from '../deps.js';
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

const statusResponseSchema = z.object({
  api: apiHealthSchema,
  lastHealthCheck: lastHealthCheckSchema.nullable(),
  temporalUiBaseUrl: z.string(),
});

const startedSchema = z.object({ workflowId: z.string(), runId: z.string(), temporalUiUrl: z.string() });

/** System status for the dashboard: the API's live view plus the last health-check workflow run. */
export function statusPlugin(deps: ApiDeps): FastifyPluginAsyncZod {
  const { env, prisma, temporal } = deps;
  const runUrl = (workflowId: string, runId: string) =>
    temporalUiRunUrl(env.TEMPORAL_UI_URL, env.TEMPORAL_NAMESPACE, workflowId, runId);

  return async (app) => {
    app.get('/api/status', { schema: { response: { 200: statusResponseSchema } } }, async (request) => {
      requireAuth(request);
      const [api, last] = await Promise.all([
        checkApiHealth(deps),
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
    });

    // Operators only: a merchant sees the status, but starting checks is an ops action.
    app.post('/api/status/health-check', { schema: { response: { 202: startedSchema } } }, async (request, reply) => {
      requireAdmin(request);
      const workflowId = workflowIds.healthCheck('manual', new Date());
      const handle = await temporal.workflow.start<typeof healthCheckWorkflow>('healthCheckWorkflow', {
        taskQueue: env.TEMPORAL_TASK_QUEUE,
        workflowId,
        args: [{ trigger: 'manual', recheckAfterMs: 0 }],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      });
      return reply.code(202).send({ workflowId, runId: handle.firstExecutionRunId, temporalUiUrl: runUrl(workflowId, handle.firstExecutionRunId) });
    });
  };
}
