import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AUDIT_ACTIONS, writeAudit } from '../../lib/audit.js';
import { requireAuth, requireOperator } from '../auth/context.js';
import { temporalLinksFor } from '../auth/operator-links.js';
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
  /** Operators only (null for merchants). */
  temporalUiUrl: z.string().nullable(),
});

export const statusResponseSchema = z.object({
  api: apiHealthSchema,
  lastHealthCheck: lastHealthCheckSchema.nullable(),
  temporalUiBaseUrl: z.string().nullable(),
});

const startedSchema = z.object({ workflowId: z.string(), runId: z.string(), temporalUiUrl: z.string().nullable() });

const readStatus = { schema: { response: { 200: statusResponseSchema } } };
const runCheck = { schema: { response: { 202: startedSchema } } };

/** System status for the dashboard (prefix /api/status): the API's live view plus the last health-check run. */
export function statusPlugin(ctx: ApiContext): FastifyPluginAsyncZod {
  const { env, prisma, workflows } = ctx;

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
    const temporal = temporalLinksFor(request, env);
    return {
      api,
      lastHealthCheck: last && {
        workflowId: last.workflowId,
        runId: last.runId,
        status: last.status,
        startedAt: last.startedAt.toISOString(),
        finishedAt: last.finishedAt?.toISOString() ?? null,
        components,
        temporalUiUrl: temporal.run(last.workflowId, last.runId),
      },
      temporalUiBaseUrl: temporal.home,
    };
  }

  async function runHealthCheck(request: RouteRequest<typeof runCheck.schema>, reply: RouteReply<typeof runCheck.schema>) {
    const auth = requireOperator(request);
    const run = await workflows.healthChecks.startManual();
    await writeAudit(prisma, {
      tenantId: null,
      actorUserId: auth.userId,
      actorType: 'operator',
      action: AUDIT_ACTIONS.ops.healthCheckStarted,
      targetType: 'workflow',
      targetId: run.workflowId,
      details: { runId: run.runId },
      ip: request.ip,
    });
    return reply.code(202).send({ workflowId: run.workflowId, runId: run.runId, temporalUiUrl: temporalLinksFor(request, env).run(run.workflowId, run.runId) });
  }
}
