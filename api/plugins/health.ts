import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { summarize, type ComponentStatus } from '../../lib/health/types.js';
import type { ApiDeps } from '../deps.js';
import type { Metrics } from '../metrics.js';
import type { RouteReply, RouteRequest } from '../routes.js';

export const componentStatusSchema = z.object({
  name: z.string(),
  status: z.enum(['up', 'down', 'degraded']),
  latencyMs: z.number().nullable(),
  detail: z.string().nullable(),
});

export const apiHealthSchema = z.object({
  status: z.enum(['ok', 'degraded', 'down']),
  checkedAt: z.string(),
  components: z.array(componentStatusSchema),
});

export type ApiHealth = z.infer<typeof apiHealthSchema>;

/** The API's own view of what it depends on, checked on every call (cheap: one query, one RPC). */
export async function checkApiHealth(deps: ApiDeps): Promise<ApiHealth> {
  const components = await Promise.all([
    timed('database', async () => {
      await deps.prisma.$queryRaw`SELECT 1`;
    }),
    timed('temporal', async () => {
      const info = await deps.temporal.workflowService.getSystemInfo({});
      return `server ${info.serverVersion || 'unknown version'}`;
    }),
  ]);
  const outcome = summarize(components);
  return { status: outcome === 'failed' ? 'down' : outcome, checkedAt: new Date().toISOString(), components };
}

async function timed(name: string, check: () => Promise<string | void>, timeoutMs = 3_000): Promise<ComponentStatus> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const detail = await Promise.race([
      check(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { name, status: 'up', latencyMs: Math.round(performance.now() - started), detail: detail || null };
  } catch (err) {
    const detail = err instanceof Error ? err.message.split('\n')[0] ?? 'error' : 'error';
    return { name, status: 'down', latencyMs: Math.round(performance.now() - started), detail };
  } finally {
    clearTimeout(timer);
  }
}

const health = { schema: { response: { 200: apiHealthSchema, 503: apiHealthSchema } } };

/** `/health` for load balancers and the dashboard's status page, `/metrics` for Prometheus. */
export function healthPlugin(deps: ApiDeps, metrics: Metrics): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/health', health, reportHealth);
    app.get('/metrics', exportMetrics);
  };

  async function reportHealth(_request: RouteRequest<typeof health.schema>, reply: RouteReply<typeof health.schema>) {
    const result = await checkApiHealth(deps);
    return reply.code(result.status === 'down' ? 503 : 200).send(result);
  }

  async function exportMetrics(_request: RouteRequest, reply: RouteReply) {
    return reply.header('content-type', metrics.registry.contentType).send(await metrics.registry.metrics());
  }
}
