// The one place the API starts, signals and queries workflows: a client per workflow family, each typed
// by its contract (workflows/contracts/) and naming runs by lib/temporal/names.ts. Routes call these.
import type { Client } from '@temporalio/client';
import type { Env } from '../../lib/config/env.js';
import { accountWorkflows } from './accounts.js';
import { agentWorkflows } from './agent.js';
import { analyticsWorkflows } from './analytics.js';
import { billingWorkflows } from './billing.js';
import { broadcastWorkflows } from './broadcasts.js';
import { catalogImportWorkflows } from './catalog-imports.js';
import { conversationWorkflows } from './conversations.js';
import { healthCheckWorkflows } from './health-checks.js';
import { onboardingWorkflows } from './onboarding.js';
import { smsNumberWorkflows } from './sms-numbers.js';

export type WorkflowClient = ReturnType<typeof createWorkflowClient>;

export function createWorkflowClient(temporal: Client, env: Env) {
  return {
    accounts: accountWorkflows(temporal, env),
    agent: agentWorkflows(temporal, env),
    analytics: analyticsWorkflows(temporal, env),
    billing: billingWorkflows(temporal, env),
    broadcasts: broadcastWorkflows(temporal, env),
    catalogImports: catalogImportWorkflows(temporal, env),
    conversations: conversationWorkflows(temporal, env),
    healthChecks: healthCheckWorkflows(temporal, env),
    onboarding: onboardingWorkflows(temporal, env),
    smsNumbers: smsNumberWorkflows(temporal, env),
  };
}
