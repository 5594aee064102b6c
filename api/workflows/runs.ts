// Small pieces every workflow client here shares: start-once, the latest run of an id, a bounded query.
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';

export interface RunRef {
  workflowId: string;
  runId: string;
  /** Temporal's execution status name: RUNNING, COMPLETED, FAILED, TERMINATED, CANCELLED, TIMED_OUT… */
  status: string;
}

/** Starts a workflow whose id means "at most one": an id already started is success, not an error. */
export async function startOnce(start: () => Promise<unknown>): Promise<void> {
  try {
    await start();
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

/** The latest run of a workflow id (running or closed), or null when it never ran. */
export async function latestRun(temporal: Client, workflowId: string): Promise<RunRef | null> {
  try {
    const d = await temporal.workflow.getHandle(workflowId).describe();
    return { workflowId, runId: d.runId, status: d.status.name };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
}

/**
 * A query answered within `deadlineMs`, or null: a query needs a worker, and a page must not hang on one
 * that is busy or down (it then shows what the database knows).
 */
export async function queryWithin<T>(temporal: Client, deadlineMs: number, query: () => Promise<T>): Promise<T | null> {
  try {
    return await temporal.withDeadline(Date.now() + deadlineMs, query);
  } catch {
    return null;
  }
}
