import { ApiError } from '#lib/services/api.ts';
import { fetchAlerts, sendTestAlert, type AlertRow, type TestAlertResult } from '#lib/services/ops.ts';

/** State of the alerts page: recent alerts, the configured channels, and the last test alert's outcome. */
export class OpsAlerts {
  alerts = $state<AlertRow[] | null>(null);
  channels = $state<string[]>([]);
  lastTest = $state<TestAlertResult | null>(null);
  sending = $state(false);
  error = $state<string | null>(null);

  async load(): Promise<void> {
    try {
      const answer = await fetchAlerts();
      this.alerts = answer.alerts;
      this.channels = answer.channels;
      this.error = null;
    } catch (error) {
      this.error = describe(error);
    }
  }

  async sendTest(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      this.lastTest = await sendTestAlert();
      this.error = null;
      await this.load();
    } catch (error) {
      this.error = describe(error);
    } finally {
      this.sending = false;
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return 'Something went wrong with the alerts.';
}
