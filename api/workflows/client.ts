// The one place the API starts, signals and queries workflows: a client per workflow family, each typed
// by its contract (workflows/contracts/) and naming runs by lib/temporal/names.ts. Routes call these.
import type { Client } from '@temporalio/client';
import type { Env } from '../../lib/config/env.js';
import { accountWorkflows } from './accounts.js';
import { catalogImportWorkflows } from './catalog-imports.js';
import { conversationWorkflows } from './conversations.js';
import { healthCheckWorkflows } from './health-checks.js';
import { onboardingWorkflows } from './onboarding.js';

export type WorkflowClient = ReturnType<typeof createWorkflowClient>;

export function createWorkflowClient(temporal: Client, env: Env) {
  return {
    accounts: accountWorkflows(temporal, env),
    catalogImports: catalogImportWorkflows(temporal, env),
    conversations: conversationWorkflows(temporal, env),
    healthChecks: healthCheckWorkflows(temporal, env),
    onboarding: onboardingWorkflows(temporal, env),
  };
}
