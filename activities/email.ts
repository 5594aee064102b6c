import { ApplicationFailure } from '@temporalio/activity';
import { z } from 'zod';
import type { MailSender } from '../lib/alerts/channels.js';
import type { PrismaClient } from '../lib/db/client.js';
import { verificationEmail } from '../lib/email/templates.js';

export interface EmailDeps {
  prisma: PrismaClient;
  /** The signed link for a verification email (lib/auth/email-verification.ts), made here so it never sits in workflow history. */
  verificationLink: (claim: { userId: string; email: string; expiresAt: number }) => string;
  /** Null when SMTP_URL is unset: emails are captured in the outbox (shown in the dashboard) and logged. */
  transport: MailSender | null;
  from: string;
  log: (message: string, fields: Record<string, unknown>) => void;
}

const emailInput = z.object({
  idempotencyKey: z.string().min(1).max(200),
  tenantId: z.string().nullable(),
  to: z.email(),
  subject: z.string().min(1).max(300),
  text: z.string().min(1),
  workflowId: z.string().optional(),
});
export type SendEmailInput = z.infer<typeof emailInput>;

/** Email through SMTP, with the outbox table as the idempotency record and the local capture. */
export function createEmailActivities(deps: EmailDeps) {
  const activities = {
    /** The n-th verification link for a user: signed here (the workflow passes the claim, not the link). */
    async sendVerificationEmail(input: { userId: string; tenantId: string; email: string; name: string | null; expiresAt: number; attempt: number }) {
      const url = deps.verificationLink({ userId: input.userId, email: input.email, expiresAt: input.expiresAt });
      const days = Math.round((input.expiresAt - Date.now()) / 86_400_000);
      return activities.sendEmail({
        idempotencyKey: `verify-email:${input.userId}:${input.attempt}`,
        tenantId: input.tenantId,
        to: input.email,
        ...verificationEmail({ name: input.name, url, expiresInDays: Math.max(1, days) }),
      });
    },

    async sendEmail(input: SendEmailInput): Promise<{ status: 'sent' | 'captured' | 'already_sent' }> {
      const parsed = emailInput.safeParse(input);
      if (!parsed.success) throw ApplicationFailure.nonRetryable(`invalid email: ${parsed.error.message}`, 'InvalidEmail');
      const email = parsed.data;
      const row = await deps.prisma.emailOutbox.upsert({
        where: { idempotencyKey: email.idempotencyKey },
        create: { ...email, status: 'pending' },
        update: {},
      });
      if (row.status === 'sent' || row.status === 'captured') return { status: 'already_sent' };

      if (!deps.transport) {
        await deps.prisma.emailOutbox.update({ where: { id: row.id }, data: { status: 'captured', sentAt: new Date() } });
        deps.log('email captured (no SMTP configured)', { to: email.to, subject: email.subject, key: email.idempotencyKey });
        return { status: 'captured' };
      }
      try {
        await deps.transport.sendMail({ from: deps.from, to: email.to, subject: email.subject, text: email.text });
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        await deps.prisma.emailOutbox.update({ where: { id: row.id }, data: { error: message } });
        // SMTP 5xx is permanent (bad recipient, rejected); anything else (4xx, network) is worth retrying.
        const code = typeof err === 'object' && err && 'responseCode' in err ? Number(err.responseCode) : 0;
        if (code >= 500) throw ApplicationFailure.nonRetryable(`SMTP rejected the email: ${message}`, 'SmtpRejected');
        throw err;
      }
      await deps.prisma.emailOutbox.update({ where: { id: row.id }, data: { status: 'sent', sentAt: new Date(), error: null } });
      return { status: 'sent' };
    },
  };
  return activities;
}

export type EmailActivities = ReturnType<typeof createEmailActivities>;
