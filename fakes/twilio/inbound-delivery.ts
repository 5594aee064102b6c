// Delivering one inbound message to the application: the webhook (with retries), the Fallback URL
// when it finally fails, and on demand duplicates of the same MessageSid. Shared by WhatsApp and SMS.
import type { FakeContext } from './context.js';
import type { MessageRecord, WebhookDelivery } from './types.js';

export interface InboundResult {
  message: MessageRecord;
  deliveries: WebhookDelivery[];
}

export interface InboundDelivery {
  accountSid: string;
  message: MessageRecord;
  url: string;
  method: 'POST' | 'GET';
  params: Record<string, string>;
  fallback: { url: string; method: 'POST' | 'GET' } | null;
  /** Deliver the same webhook this many extra times (same MessageSid). */
  duplicates?: number | undefined;
  /** Wait for all deliveries (with retries) before answering; default true. */
  wait?: boolean | undefined;
}

export async function deliverInbound(ctx: FakeContext, d: InboundDelivery): Promise<InboundResult> {
  const { state, webhooks } = ctx;
  const { message, params } = d;
  const deliverOnce = async (): Promise<WebhookDelivery[]> => {
    const base = { kind: 'inbound' as const, accountSid: d.accountSid, messageSid: message.sid, params };
    const first = await webhooks.start({ ...base, url: d.url, method: d.method }).done;
    // When the inbound URL finally fails, Twilio requests the Fallback URL instead.
    if (first.ok || !d.fallback) return [first];
    const second = await webhooks.start({ ...base, url: d.fallback.url, method: d.fallback.method }).done;
    return [first, second];
  };
  const count = 1 + Math.max(0, d.duplicates ?? 0);
  const runs: Array<Promise<WebhookDelivery[]>> = [];
  // Duplicates go one after the other, the way a redelivery follows the original.
  for (let i = 0; i < count; i++) {
    const run = deliverOnce();
    runs.push(run);
    if (d.wait !== false) await run;
  }
  if (d.wait === false) {
    // Not waiting: report the deliveries started so far (the rest show up in /_control/webhooks).
    return { message, deliveries: state.deliveries.filter((x) => x.messageSid === message.sid) };
  }
  return { message, deliveries: (await Promise.all(runs)).flat() };
}
