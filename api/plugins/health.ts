import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { summarize, type ComponentStatus } from '../../lib/health/types.js';
import { internalCallers } from '../../lib/auth/internal-callers.js';
import type { ApiContext, ApiDeps } from '../deps.js';
import { notFound } from '../errors.js';
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
      const info = await temporalProbe(deps.temporal, 3_000);
      return `server ${info.serverVersion || 'unknown version'}`;
    }),
  ]);
  const outcome = summarize(components);
  return { status: outcome === 'failed' ? 'down' : outcome, checkedAt: new Date().toISOString(), components };
}

/**
 * One cheap RPC, bounded by a gRPC deadline: without it the SDK's retry interceptor keeps retrying an
 * unreachable server after the probe has given up, and a retry firing after the connection is closed throws
 * from a timer ("Channel has been shut down"), which crashes the process.
 */
function temporalProbe(temporal: ApiDeps['temporal'], timeoutMs: number) {
  return temporal.connection.withDeadline(Date.now() + timeoutMs, () => temporal.workflowService.getSystemInfo({}));
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
const readiness = z.object({ status: z.enum(['ready', 'not_ready']), database: z.enum(['up', 'down']), temporal: z.enum(['up', 'down']) });
const ready = { schema: { response: { 200: readiness, 503: readiness } } };

/**
 * Probes and internals. `/livez`: the process answers (an orchestrator restarts it only when this fails).
 * `/readyz`: it can take traffic, which needs Postgres but not Temporal (webhooks go to the outbox while
 * Temporal is down, so a Temporal outage must not take webhook intake out of rotation). `/health` (every
 * component, with latencies) and `/metrics` are internals: operators and internal callers only.
 */
export function healthPlugin(ctx: ApiContext, metrics: Metrics): FastifyPluginAsyncZod {
  const internal = internalCallers(ctx.env.INTERNAL_NETWORKS, ctx.env.METRICS_TOKEN);
  const onlyInternal = (request: RouteRequest) => {
    const allowed = request.auth?.isAdmin || internal.allowsAddress(request.ip) || internal.allowsToken(request.headers.authorization);
    if (!allowed) throw notFound(`Route ${request.method} ${request.url.split('?')[0]}`);
  };

  return async (app) => {
    app.get('/livez', reportAlive);
    app.get('/readyz', ready, reportReady);
    app.get('/health', health, reportHealth);
    app.get('/metrics', exportMetrics);
  };

  async function reportAlive() {
    return { status: 'alive' };
  }

  async function reportReady(_request: RouteRequest<typeof ready.schema>, reply: RouteReply<typeof ready.schema>) {
    const [database, temporal] = await Promise.all([
      timed('database', () => ctx.prisma.$queryRaw`SELECT 1`.then(() => undefined), 2_000),
      timed('temporal', async () => void (await temporalProbe(ctx.temporal, 2_000)), 2_000),
    ]);
    const body = { status: database.status === 'up' ? ('ready' as const) : ('not_ready' as const), database: upOrDown(database), temporal: upOrDown(temporal) };
    return reply.code(body.status === 'ready' ? 200 : 503).send(body);
  }

  async function reportHealth(request: RouteRequest<typeof health.schema>, reply: RouteReply<typeof health.schema>) {
    onlyInternal(request);
    const result = await checkApiHealth(ctx);
    return reply.code(result.status === 'down' ? 503 : 200).send(result);
  }

  async function exportMetrics(request: RouteRequest, reply: RouteReply) {
    onlyInternal(request);
    return reply.header('content-type', metrics.registry.contentType).send(await metrics.registry.metrics());
  }
}

const upOrDown = (c: ComponentStatus): 'up' | 'down' => (c.status === 'down' ? 'down' : 'up');
