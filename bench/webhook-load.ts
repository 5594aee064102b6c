// The load generator of bench/webhooks.ts, in its own thread: the Twilio and OpenAI stand-ins share the
// bench's main thread, and their work (status callbacks, completions) must not delay the clock that
// measures our acks. Signs and sends inbound webhooks; reports each ack's latency and each send time.
import { randomBytes } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import twilio from 'twilio';
import { z } from 'zod';

const shop = z.object({ subaccountSid: z.string(), serviceSid: z.string(), phone: z.string(), authToken: z.string() });
export const loadJob = z.object({
  publicUrl: z.string(),
  shops: z.array(shop).min(1),
  /** Spread over this many returning customers; absent: a new customer per message. */
  customers: z.number().int().min(1).optional(),
  /** Customer numbering continues across phases so "new" stays new. */
  firstSeq: z.number().int().min(0),
  phase: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('open'), rate: z.number().positive(), seconds: z.number().positive() }),
    z.object({ kind: z.literal('closed'), concurrency: z.number().int().min(1), seconds: z.number().positive() }),
    /** Several open-loop streams at once, each to one shop (the noisy-neighbour case). */
    z.object({
      kind: z.literal('mixed'),
      streams: z.array(z.object({ shop: z.number().int().min(0), rate: z.number().positive(), seconds: z.number().positive() })).min(1),
    }),
  ]),
});
export type LoadJob = z.infer<typeof loadJob>;

export interface LoadResult {
  latencies: number[];
  errors: number;
  seconds: number;
  /** [customer address as Twilio writes it, epoch ms the webhook was sent, shop index] in sending order. */
  sent: Array<[string, number, number]>;
  nextSeq: number;
}

if (parentPort) {
  const job = loadJob.parse(workerData);
  const port = parentPort;
  void run(job).then((result) => port.postMessage(result));
}

async function run(job: LoadJob): Promise<LoadResult> {
  const url = `${job.publicUrl}/webhooks/twilio/whatsapp`;
  const latencies: number[] = [];
  const sent: Array<[string, number, number]> = [];
  let errors = 0;
  let seq = job.firstSeq;

  /** One signed inbound webhook; the latency is counted from when it was due (no coordinated omission). */
  async function webhook(due = performance.now(), shop = seq % job.shops.length): Promise<void> {
    const s = job.shops[shop]!;
    const who = job.customers ? seq % job.customers : seq;
    seq += 1;
    const customer = `+1${String(2_000_000_000 + who).padStart(10, '0')}`;
    const params = {
      MessageSid: `SM${randomBytes(16).toString('hex')}`, AccountSid: s.subaccountSid, MessagingServiceSid: s.serviceSid,
      From: `whatsapp:${customer}`, To: `whatsapp:${s.phone}`, Body: 'How much is the blue cotton t-shirt?', NumMedia: '0',
    };
    sent.push([`whatsapp:${customer}`, Date.now(), shop]);
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(s.authToken, url, params) },
        body: new URLSearchParams(params).toString(),
      });
      await res.text();
      if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
      latencies.push(performance.now() - due);
    } catch {
      errors += 1;
    }
  }

  const start = performance.now();
  const { phase } = job;
  if (phase.kind === 'open') {
    // Fixed arrival rate: latency is not hidden by waiting for the previous answer.
    const inflight: Promise<void>[] = [];
    for (let i = 0; i < phase.rate * phase.seconds; i++) {
      const due = start + (i * 1000) / phase.rate;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      inflight.push(webhook(due));
    }
    await Promise.all(inflight);
  } else if (phase.kind === 'mixed') {
    // Every stream's arrivals on one timeline, each due at its own fixed rate.
    const arrivals = phase.streams
      .flatMap((stream) => Array.from({ length: Math.round(stream.rate * stream.seconds) }, (_, i) => ({ due: start + (i * 1000) / stream.rate, shop: stream.shop })))
      .sort((a, b) => a.due - b.due);
    const inflight: Promise<void>[] = [];
    for (const { due, shop } of arrivals) {
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      inflight.push(webhook(due, shop));
    }
    await Promise.all(inflight);
  } else {
    // As fast as `concurrency` clients can go: the sustained ceiling.
    const end = start + phase.seconds * 1000;
    await Promise.all(Array.from({ length: phase.concurrency }, async () => {
      while (performance.now() < end) await webhook();
    }));
  }
  return { latencies, errors, seconds: (performance.now() - start) / 1000, sent, nextSeq: seq };
}
