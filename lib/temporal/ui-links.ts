// Deep links into the Temporal Web UI. The UI is an operator tool (it shows every tenant's runs and can
// signal or terminate them): only operator-facing answers may carry these.

/** One run's event history. */
export function temporalUiRunUrl(uiBaseUrl: string, namespace: string, workflowId: string, runId: string): string {
  const base = uiBaseUrl.replace(/\/+$/, '');
  return `${base}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}/${encodeURIComponent(runId)}/history`;
}

/**
 * The UI's list filtered to these workflow ids (every run, newest first). An AI reply links to its
 * `reply:{sid}` run and its conversation's runs at once, because it ran in one or the other depending on
 * REPLY_WORKFLOW when its conversation started.
 */
export function temporalUiWorkflowUrl(uiBaseUrl: string, namespace: string, ...workflowIds: [string, ...string[]]): string {
  const base = uiBaseUrl.replace(/\/+$/, '');
  const query = encodeURIComponent(workflowIds.map((id) => `WorkflowId="${id}"`).join(' OR '));
  return `${base}/namespaces/${encodeURIComponent(namespace)}/workflows?query=${query}`;
}
