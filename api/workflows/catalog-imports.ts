// Large catalog uploads are applied by a workflow (`catalog-import:{tenant}:{upload}`); small ones inline.
import { WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import type { Env } from '../../lib/config/env.js';
import { workflowIds } from '../../lib/temporal/names.js';
import { catalogImportWorkflowType, type CatalogImportWorkflow } from '../../workflows/contracts/catalog-import.js';

export type CatalogImportWorkflows = ReturnType<typeof catalogImportWorkflows>;

export function catalogImportWorkflows(temporal: Client, env: Pick<Env, 'TEMPORAL_TASK_QUEUE'>) {
  return {
    /** One run per upload id: a repeated upload id is rejected by the server, never applied twice. */
    async start(input: { tenantId: string; uploadId: string; importId: string }): Promise<{ workflowId: string }> {
      const workflowId = workflowIds.catalogImport(input.tenantId, input.uploadId);
      await temporal.workflow.start<CatalogImportWorkflow>(catalogImportWorkflowType, {
        taskQueue: env.TEMPORAL_TASK_QUEUE,
        workflowId,
        args: [{ tenantId: input.tenantId, importId: input.importId }],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      });
      return { workflowId };
    },
  };
}
