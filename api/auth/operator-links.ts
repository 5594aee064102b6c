// Links into the Temporal UI, for operators only. The UI shows every tenant's runs and can signal or
// terminate them: a merchant never gets a link to it (nor its address). Merchants see their workflows'
// state through WARA's own pages, which read it with queries.
import type { FastifyRequest } from 'fastify';
import type { Env } from '../../lib/config/env.js';
import { temporalUiRunUrl, temporalUiWorkflowUrl } from '../../lib/temporal/ui-links.js';

export interface TemporalLinks {
  /** One run's history, or null for anyone but an operator. */
  run(workflowId: string, runId: string): string | null;
  /** The list of these workflows' runs, or null for anyone but an operator. */
  workflows(...workflowIds: [string, ...string[]]): string | null;
  /** The UI itself, or null for anyone but an operator. */
  home: string | null;
}

export function temporalLinksFor(request: FastifyRequest, env: Pick<Env, 'TEMPORAL_UI_URL' | 'TEMPORAL_NAMESPACE'>): TemporalLinks {
  const operator = request.auth?.isAdmin === true;
  return {
    run: (workflowId, runId) => (operator ? temporalUiRunUrl(env.TEMPORAL_UI_URL, env.TEMPORAL_NAMESPACE, workflowId, runId) : null),
    workflows: (...ids) => (operator ? temporalUiWorkflowUrl(env.TEMPORAL_UI_URL, env.TEMPORAL_NAMESPACE, ...ids) : null),
    home: operator ? env.TEMPORAL_UI_URL : null,
  };
}
