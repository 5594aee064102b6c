import type { ComponentStatus } from '../lib/health/types.js';

/**
 * A probe checks one dependency and resolves when it answers. It may return a short detail for the
 * status page (a version, a count); it throws when the dependency is unreachable or refuses us.
 */
export type HealthProbe = () => Promise<string | void>;

/** Thrown by a probe whose dependency answers but is behind or impaired: the component shows as degraded. */
export class ComponentDegraded extends Error {
  override readonly name = 'ComponentDegraded';
}

export interface HealthProbeDeps {
  /** Named probes, in display order; the worker builds them from the real clients. */
  probes: ReadonlyMap<string, HealthProbe>;
  /** Bound for a single probe; a hanging dependency is reported down, not waited on. */
  probeTimeoutMs?: number;
  now?: () => number;
}

export function createHealthProbeActivities(deps: HealthProbeDeps) {
  const timeoutMs = deps.probeTimeoutMs ?? 5_000;
  const now = deps.now ?? (() => performance.now());

  return {
    async listHealthComponents(): Promise<string[]> {
      return [...deps.probes.keys()];
    },

    async probeComponent(name: string): Promise<ComponentStatus> {
      const probe = deps.probes.get(name);
      if (!probe) return { name, status: 'down', latencyMs: null, detail: `no probe named ${name}` };
      const started = now();
      try {
        const detail = await withTimeout(probe(), timeoutMs, `${name} did not answer within ${timeoutMs} ms`);
        return { name, status: 'up', latencyMs: Math.round(now() - started), detail: detail || null };
      } catch (err) {
        return { name, status: err instanceof ComponentDegraded ? 'degraded' : 'down', latencyMs: Math.round(now() - started), detail: describeError(err) };
      }
    },
  };
}

export type HealthProbeActivities = ReturnType<typeof createHealthProbeActivities>;

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Error text for the status page: the message only, never a stack or a request with credentials. */
export function describeError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.length > 300 ? `${message.slice(0, 297)}...` : message;
}
