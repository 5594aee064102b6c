// The welcome email workflow's contract (`welcome-email:{user}`), started once per user at sign-up.

export const welcomeEmailWorkflowType = 'welcomeEmailWorkflow';
export type WelcomeEmailWorkflow = (input: WelcomeEmailInput) => Promise<string>;

export interface WelcomeEmailInput {
  userId: string;
  tenantId: string;
  email: string;
  name: string | null;
  dashboardUrl: string;
  trialDays: number;
}
