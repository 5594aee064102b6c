// Billing emails after the trial (the trial's own live in templates.ts). Plain text, pure: the billing
// workflow builds them, so their wording is part of its history only through the activity's input.
import type { EmailContent } from './templates.js';

export function paymentFailedEmail(input: { graceEndsAt: string; billingUrl: string }): EmailContent {
  const until = new Date(input.graceEndsAt).toUTCString().replace(/ \d\d:\d\d:\d\d GMT$/, '');
  return {
    subject: 'WARA: your payment failed — please update your card',
    text: [
      'Hi,',
      '',
      'We could not charge your card for your WARA plan. The AI keeps answering your customers for now;',
      `if the payment is still outstanding on ${until}, AI replies pause until it is paid.`,
      `Update your card or pay the invoice: ${input.billingUrl}`,
      '',
      'The WARA team',
    ].join('\n'),
  };
}

export function repliesPausedForPaymentEmail(input: { billingUrl: string }): EmailContent {
  return {
    subject: 'WARA: AI replies are paused until your payment goes through',
    text: [
      'Hi,',
      '',
      'Your payment is still outstanding, so the AI has stopped replying to your customers. Their messages are',
      'kept and shown on your dashboard, so you can answer by hand. Replies resume as soon as the invoice is paid.',
      `Pay or update your card: ${input.billingUrl}`,
      '',
      'The WARA team',
    ].join('\n'),
  };
}

export function replyLimitReachedEmail(input: { limit: number | null; planName: string | null; billingUrl: string }): EmailContent {
  const allowance = input.limit === null ? 'your plan’s AI replies' : `the ${thousands(input.limit)} AI replies`;
  return {
    subject: 'WARA: you have used this period’s AI replies',
    text: [
      'Hi,',
      '',
      `Your customers have used ${allowance} of ${input.planName ? `your ${input.planName} plan` : 'your plan'} for this period, so the AI has`,
      'paused. New messages are kept and shown on your dashboard as "not answered: reply limit reached", so you',
      'can answer by hand. A larger plan resumes replies at once; otherwise they resume with the next period.',
      `Change plan: ${input.billingUrl}`,
      '',
      'The WARA team',
    ].join('\n'),
  };
}

/** 20000 → "20,000" without Intl (workflow code: the same text on every replay, whatever the ICU data). */
function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
