// The workflow bundle's entry point: every workflow the worker registers.
import type { OnlyRegistered, Registered, WorkflowType } from './contracts/registry.js';
import type * as bundle from './index.js';

export { analyticsRebuildWorkflow, analyticsRefreshWorkflow } from './analytics-refresh.js';
export { agentTestChatWorkflow } from './agent-test-chat.js';
export { billingWorkflow } from './billing.js';
export { billingSessionWorkflow, usageReportWorkflow } from './billing-session.js';
export { broadcastTemplatesWorkflow, broadcastWorkflow } from './broadcast.js';
export { catalogImportWorkflow } from './catalog-import.js';
export { conversationWorkflow } from './conversation.js';
export { emailVerificationWorkflow } from './email-verification.js';
export { replyWorkflow } from './reply.js';
export { smsNumberSearchWorkflow, smsNumberWorkflow } from './sms-number.js';
export { healthCheckWorkflow } from './health-check.js';
export { trialWorkflow } from './trial.js';
export { welcomeEmailWorkflow } from './welcome-email.js';
export { whatsappOnboardingWorkflow, whatsappTestMessageWorkflow } from './onboarding.js';

// Fails to compile when a registered name is not exported here or its signature drifted from its contract,
// or when a workflow is exported without a contract in the registry.
export type _EveryContractIsExported = Registered<Pick<typeof bundle, WorkflowType>>;
export type _EveryExportHasAContract = OnlyRegistered<keyof typeof bundle>;
