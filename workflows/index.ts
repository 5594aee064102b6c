// The workflow bundle's entry point: every workflow the worker registers.
export { catalogImportWorkflow } from './catalog-import.js';
export { conversationWorkflow } from './conversation.js';
export { replyWorkflow } from './reply.js';
export { healthCheckWorkflow } from './health-check.js';
export { trialWorkflow } from './trial.js';
export { welcomeEmailWorkflow } from './welcome-email.js';
export { whatsappOnboardingWorkflow, whatsappTestMessageWorkflow } from './onboarding.js';
