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
  welcomeEmail: (userId: string) => `welcome-email:${userId}`,
  emailVerification: (userId: string) => `email-verification:${userId}`,
  catalogImport: (tenantId: string, uploadId: string) => `catalog-import:${tenantId}:${uploadId}`,
  healthCheck: (trigger: 'scheduled' | 'manual', at: Date) => `health-check:${trigger}:${at.toISOString()}`,
} as const;

export const scheduleIds = {
  healthCheckHourly: 'health-check-hourly',
} as const;
