/** Plain-text emails (every client renders them; nothing to escape). Pure, so workflows may call them. */
export interface EmailContent {
  subject: string;
  text: string;
}

export function welcomeEmail(input: { name: string | null; dashboardUrl: string; trialDays: number }): EmailContent {
  const hello = input.name ? `Hi ${input.name},` : 'Hi,';
  return {
    subject: 'Welcome to WARA: your AI replies are three steps away',
    text: [
      hello,
      '',
      `Your ${input.trialDays}-day free trial has started. To have WARA answer your WhatsApp customers:`,
      '  1. Connect your WhatsApp Business number.',
      '  2. Upload your product catalog (CSV or JSON).',
      '  3. Watch the AI answer, and take over any conversation by hand.',
      '',
      `Open your dashboard: ${input.dashboardUrl}`,
      '',
      'The WARA team',
    ].join('\n'),
  };
}

export function trialReminderEmail(input: { daysLeft: number; billingUrl: string }): EmailContent {
  const when = input.daysLeft === 1 ? 'tomorrow' : `in ${input.daysLeft} days`;
  return {
    subject: `Your WARA trial ends ${when}`,
    text: [
      'Hi,',
      '',
      `Your free trial ends ${when}. After that the AI stops replying to your customers until you choose a plan.`,
      `Choose a plan: ${input.billingUrl}`,
      '',
      'The WARA team',
    ].join('\n'),
  };
}

export function trialEndedEmail(input: { billingUrl: string }): EmailContent {
  return {
    subject: 'Your WARA trial has ended: AI replies are paused',
    text: [
      'Hi,',
      '',
      'Your free trial has ended, so the AI has stopped replying. Your conversations and catalog are kept.',
      `Choose a plan to resume at once: ${input.billingUrl}`,
      '',
      'The WARA team',
    ].join('\n'),
  };
}

export function verificationEmail(input: { name: string | null; url: string; expiresInDays: number }): EmailContent {
  const hello = input.name ? `Hi ${input.name},` : 'Hi,';
  return {
    subject: 'Confirm your email address for WARA',
    text: [
      hello,
      '',
      'Please confirm this is your email address, so you can connect WhatsApp and choose a plan:',
      input.url,
      '',
      `The link works for ${input.expiresInDays} days. If you did not sign up for WARA, ignore this email: nothing happens without the link.`,
      '',
      'The WARA team',
    ].join('\n'),
  };
}
