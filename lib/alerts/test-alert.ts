// "Does paging work?": one clearly-marked info alert through every configured channel, recorded in the
// alerts table like any other, with each channel's own outcome (a test alert reports a failing channel
// instead of retrying it the way the health check's alert activity does).
import { randomUUID } from 'node:crypto';
import { providerReason } from '../credentials/checks.js';
import type { Alert, AlertChannel, AlertStore } from './channels.js';

export interface ChannelOutcome {
  channel: string;
  status: 'sent' | 'failed';
  latencyMs: number;
  reason: string | null;
}

export interface TestAlertResult {
  alert: Alert;
  /** Empty when no channel is configured: then the alert is only recorded and logged. */
  channels: ChannelOutcome[];
}

export async function sendTestAlert(deps: { channels: readonly AlertChannel[]; store: AlertStore }, requestedBy: string, now = new Date()): Promise<TestAlertResult> {
  const alert: Alert = {
    dedupeKey: `test-alert:${randomUUID()}`,
    severity: 'info',
    title: 'WARA test alert (nothing is wrong)',
    details: `A test alert sent by ${requestedBy} at ${now.toISOString()}. If you can read this, WARA's alerts reach this channel.`,
  };
  await deps.store.claim(alert, deps.channels.map((c) => c.name));
  const channels = await Promise.all(
    deps.channels.map(async (channel): Promise<ChannelOutcome> => {
      const started = performance.now();
      try {
        await channel.send(alert);
        return { channel: channel.name, status: 'sent', latencyMs: Math.round(performance.now() - started), reason: null };
      } catch (err) {
        return { channel: channel.name, status: 'failed', latencyMs: Math.round(performance.now() - started), reason: providerReason(err) };
      }
    }),
  );
  const failed = channels.filter((c) => c.status === 'failed');
  if (failed.length === 0) await deps.store.markDelivered(alert.dedupeKey);
  else await deps.store.markFailed?.(alert.dedupeKey, failed.map((c) => `${c.channel}: ${c.reason}`).join('; '));
  return { alert, channels };
}
