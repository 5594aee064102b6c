/**
 * Workflow ids (and the default task queue; the running one is env TEMPORAL_TASK_QUEUE). Ids carry meaning and deduplicate: starting a workflow whose id is
 * already running is rejected by the server, which is how "at most one per X" is enforced.
 */
export const TASK_QUEUE = 'wara-main';

export const workflowIds = {
  onboarding: (tenantId: string) => `onboarding:${tenantId}`,
  whatsappTestMessage: (tenantId: string, requestId: string) => `whatsapp-test-message:${tenantId}:${requestId}`,
  conversation: (tenantId: string, customer: string) => `conversation:${tenantId}:${customer}`,
  reply: (inboundMessageSid: string) => `reply:${inboundMessageSid}`,
  trial: (tenantId: string) => `trial:${tenantId}`,
  billing: (tenantId: string) => `billing:${tenantId}`,
  billingSession: (tenantId: string, requestId: string) => `billing-session:${tenantId}:${requestId}`,
  welcomeEmail: (userId: string) => `welcome-email:${userId}`,
  emailVerification: (userId: string) => `email-verification:${userId}`,
  catalogImport: (tenantId: string, uploadId: string) => `catalog-import:${tenantId}:${uploadId}`,
  broadcast: (tenantId: string, broadcastId: string) => `broadcast:${tenantId}:${broadcastId}`,
  broadcastTemplates: (tenantId: string, requestId: string) => `broadcast-templates:${tenantId}:${requestId}`,
  smsNumber: (tenantId: string, numberId: string) => `sms-number:${tenantId}:${numberId}`,
  smsNumberSearch: (tenantId: string, requestId: string) => `sms-number-search:${tenantId}:${requestId}`,
  healthCheck: (trigger: 'scheduled' | 'manual', at: Date) => `health-check:${trigger}:${at.toISOString()}`,
  agentTestChat: (tenantId: string, requestId: string) => `agent-test-chat:${tenantId}:${requestId}`,
  /** One rebuild per scope at a time: a second request while one runs is told so. */
  analyticsRebuild: (tenantId: string | null) => `analytics-rebuild:${tenantId ?? 'all'}`,
} as const;

export const scheduleIds = {
  healthCheckHourly: 'health-check-hourly',
  billingUsageReport: 'billing-usage-report',
  analyticsRefresh: 'analytics-refresh',
} as const;
