// Test helpers: an official SDK client pointed at the fake, and a loopback HTTP receiver standing in
// for our Stripe webhook endpoint. The receiver keeps each request's raw body (what the signature
// covers) and headers, and answers with scripted statuses.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';

/** The official SDK talking to a stand-in (`url` like http://127.0.0.1:4030). */
export function stripeClientFor(url: string, secretKey: string, opts: { maxNetworkRetries?: number } = {}): Stripe {
  const u = new URL(url);
  return new Stripe(secretKey, {
    host: u.hostname,
    port: Number(u.port),
    protocol: u.protocol === 'https:' ? 'https' : 'http',
    maxNetworkRetries: opts.maxNetworkRetries ?? 0,
    telemetry: false,
  });
}

export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  signature: string;
  /** The event id and type, read from the body without verifying it. */
  eventId: string;
  type: string;
}

export interface StripeWebhookReceiver {
  url: string;
  requests: ReceivedWebhook[];
  /** Answer the next requests with these statuses (then 200), after an optional delay. */
  script(statuses: number[], delayMs?: number): void;
  /** Resolve once at least `n` requests matching `filter` have arrived. */
  waitFor(n: number, filter?: (r: ReceivedWebhook) => boolean, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

export async function startStripeWebhookReceiver(path = '/webhooks/stripe'): Promise<StripeWebhookReceiver> {
  const requests: ReceivedWebhook[] = [];
  let scripted: number[] = [];
  let delayMs = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      let eventId = '';
      let type = '';
      try {
        const parsed = JSON.parse(rawBody) as { id?: string; type?: string };
        eventId = parsed.id ?? '';
        type = parsed.type ?? '';
      } catch {
        // Not JSON: recorded as is, with no id or type.
      }
      const signature = String(req.headers['stripe-signature'] ?? '');
      requests.push({ path: new URL(req.url ?? '/', 'http://x').pathname, headers: req.headers, rawBody, signature, eventId, type });
      const status = scripted.shift() ?? 200;
      const answer = () => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ received: status < 300 }));
      };
      if (delayMs > 0) setTimeout(answer, delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    requests,
    script(statuses, delay = 0) {
      scripted = [...statuses];
      delayMs = delay;
    },
    async waitFor(n, filter = () => true, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const matched = requests.filter(filter);
        if (matched.length >= n) return matched;
        if (Date.now() > deadline) throw new Error(`expected ${n} webhook requests, got ${matched.length}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
