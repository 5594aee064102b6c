import { z } from 'zod';

export interface Alert {
  /** Same key ⇒ same alert: a retried activity or a re-run check does not page twice. */
  dedupeKey: string;
  severity: 'info' | 'warning' | 'critical';
  title: string;
  details: string;
}

export const alertSchema = z.object({
  dedupeKey: z.string().min(1).max(200),
  severity: z.enum(['info', 'warning', 'critical']),
  title: z.string().min(1).max(300),
  details: z.string().max(5000),
});

export interface AlertStore {
  /** Records the alert; returns false when one with the same dedupe key was already delivered. */
  claim(alert: Alert, channels: string[]): Promise<boolean>;
  markDelivered(dedupeKey: string): Promise<void>;
  /** Records why delivery failed (the test alert reports it instead of retrying). */
  markFailed?(dedupeKey: string, error: string): Promise<void>;
}

/** Where alerts go. Each channel is one outside system; a failure throws so the activity retries. */
export interface AlertChannel {
  name: string;
  send(alert: Alert): Promise<void>;
}

export function slackChannel(webhookUrl: string, fetchImpl: typeof fetch = fetch): AlertChannel {
  return {
    name: 'slack',
    async send(alert) {
      const icon = alert.severity === 'critical' ? ':rotating_light:' : alert.severity === 'warning' ? ':warning:' : ':information_source:';
      const res = await fetchImpl(webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: `${icon} *${alert.title}*\n${alert.details}` }),
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok) throw new Error(`Slack webhook answered ${res.status}`);
    },
  };
}

export interface MailSender {
  sendMail(message: { from: string; to: string; subject: string; text: string }): Promise<unknown>;
}

export function emailChannel(mailer: MailSender, to: string, from: string): AlertChannel {
  return {
    name: 'email',
    async send(alert) {
      await mailer.sendMail({ from, to, subject: `[WARA ${alert.severity}] ${alert.title}`, text: alert.details });
    },
  };
}

/**
 * The channels configured in the environment: Slack when SLACK_WEBHOOK_URL is set, email when SMTP_URL and
 * ALERT_EMAIL_TO are. None means alerts are recorded and logged only.
 */
export function alertChannelsFromEnv(
  env: { SLACK_WEBHOOK_URL?: string | undefined; ALERT_EMAIL_TO?: string | undefined; EMAIL_FROM: string },
  mailer: MailSender | null,
  fetchImpl: typeof fetch = fetch,
): AlertChannel[] {
  const channels: AlertChannel[] = [];
  if (env.SLACK_WEBHOOK_URL) channels.push(slackChannel(env.SLACK_WEBHOOK_URL, fetchImpl));
  if (mailer && env.ALERT_EMAIL_TO) channels.push(emailChannel(mailer, env.ALERT_EMAIL_TO, env.EMAIL_FROM));
  return channels;
}
