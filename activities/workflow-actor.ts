import { Context } from '@temporalio/activity';

/**
 * The audit trail's "who" for an entry an activity writes: the workflow whose activity this is. Outside an
 * activity (a test calling the function directly) there is no workflow to name.
 */
export function actingWorkflow(): { actorType: 'workflow'; workflowId: string | null } {
  try {
    return { actorType: 'workflow', workflowId: Context.current().info.workflowExecution?.workflowId ?? null };
  } catch {
    return { actorType: 'workflow', workflowId: null };
  }
}
