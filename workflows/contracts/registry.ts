// Every workflow type the worker registers, by the name the server knows it by, with its signature.
// Callers start workflows by these names (the contracts' `…WorkflowType` constants); workflows/index.ts
// checks at compile time that each name is an export of the bundle with this exact signature, so a renamed
// or re-typed workflow breaks the build instead of failing in production.
import type { AnalyticsRebuildWorkflow, AnalyticsRefreshWorkflow } from './analytics-refresh.js';
import type { AgentTestChatWorkflow } from './agent-test-chat.js';
import type { BillingSessionWorkflow, BillingWorkflow, UsageReportWorkflow } from './billing.js';
import type { BroadcastTemplatesWorkflow, BroadcastWorkflow } from './broadcast.js';
import type { CatalogImportWorkflow } from './catalog-import.js';
import type { ConversationWorkflow } from './conversation.js';
import type { EmailVerificationWorkflow } from './email-verification.js';
import type { HealthCheckWorkflow } from './health-check.js';
import type { WhatsAppOnboardingWorkflow, WhatsAppTestMessageWorkflow } from './onboarding.js';
import type { ReplyWorkflow } from './reply.js';
import type { SmsNumberSearchWorkflow, SmsNumberWorkflow } from './sms-number.js';
import type { TrialWorkflow } from './trial.js';
import type { WelcomeEmailWorkflow } from './welcome-email.js';

export interface WorkflowRegistry {
  agentTestChatWorkflow: AgentTestChatWorkflow;
  analyticsRebuildWorkflow: AnalyticsRebuildWorkflow;
  analyticsRefreshWorkflow: AnalyticsRefreshWorkflow;
  billingSessionWorkflow: BillingSessionWorkflow;
  billingWorkflow: BillingWorkflow;
  broadcastTemplatesWorkflow: BroadcastTemplatesWorkflow;
  broadcastWorkflow: BroadcastWorkflow;
  catalogImportWorkflow: CatalogImportWorkflow;
  conversationWorkflow: ConversationWorkflow;
  emailVerificationWorkflow: EmailVerificationWorkflow;
  healthCheckWorkflow: HealthCheckWorkflow;
  replyWorkflow: ReplyWorkflow;
  smsNumberSearchWorkflow: SmsNumberSearchWorkflow;
  smsNumberWorkflow: SmsNumberWorkflow;
  trialWorkflow: TrialWorkflow;
  usageReportWorkflow: UsageReportWorkflow;
  welcomeEmailWorkflow: WelcomeEmailWorkflow;
  whatsappOnboardingWorkflow: WhatsAppOnboardingWorkflow;
  whatsappTestMessageWorkflow: WhatsAppTestMessageWorkflow;
}

export type WorkflowType = keyof WorkflowRegistry;

/** Compiles only when `T` has every registered workflow with its contract's signature. */
export type Registered<T extends WorkflowRegistry> = T;
/** Compiles only when every name in `K` is registered (a new workflow gets a contract and a line above). */
export type OnlyRegistered<K extends WorkflowType> = K;
