import { ApplicationFailure } from '@temporalio/activity';
import { alertSchema, type Alert, type AlertChannel, type AlertStore } from '../lib/alerts/channels.js';

export interface AlertDeps {
  channels: readonly AlertChannel[];
  store: AlertStore;
  log: (message: string, fields: Record<string, unknown>) => void;
}

export function createAlertActivities(deps: AlertDeps) {
  return {
    /**
     * Delivers an alert to every configured channel (Slack, email). With none configured it is only
     * recorded and logged, which is what a local run wants. Idempotent by dedupe key.
     */
    async sendAlert(input: Alert): Promise<{ delivered: boolean; channels: string[] }> {
      const parsed = alertSchema.safeParse(input);
      if (!parsed.success) throw ApplicationFailure.nonRetryable(`invalid alert: ${parsed.error.message}`, 'InvalidAlert');
      const alert = parsed.data;
      const names = deps.channels.map((c) => c.name);
      const fresh = await deps.store.claim(alert, names);
      if (!fresh) return { delivered: false, channels: names };
      deps.log('alert', { severity: alert.severity, title: alert.title, channels: names });
      await Promise.all(deps.channels.map((channel) => channel.send(alert)));
      await deps.store.markDelivered(alert.dedupeKey);
      return { delivered: true, channels: names };
    },
  };
}

export type AlertActivities = ReturnType<typeof createAlertActivities>;
