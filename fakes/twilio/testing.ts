// Test helper: a loopback HTTP receiver standing in for our webhook endpoints. It records every
// request (URL, headers, form params) and answers with scripted statuses.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  /** Full URL as the sender addressed it (what a Twilio signature covers). */
  url: string;
  path: string;
  headers: IncomingHttpHeaders;
  params: Record<string, string>;
}

export interface WebhookReceiver {
  baseUrl: string;
  requests: ReceivedRequest[];
  /** Answer the next calls with these statuses (then 200). Optional delay before each answer. */
  script(statuses: number[], delayMs?: number): void;
  /** Resolve once at least `n` requests matching `filter` have arrived. */
  waitFor(n: number, filter?: (r: ReceivedRequest) => boolean, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  let scripted: number[] = [];
  let delayMs = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const addr = server.address() as AddressInfo;
      const url = `http://127.0.0.1:${addr.port}${req.url ?? '/'}`;
      const u = new URL(url);
      const params: Record<string, string> = {};
      if (req.method === 'POST') for (const [k, v] of new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) params[k] = v;
      requests.push({ method: req.method ?? 'GET', url, path: u.pathname, headers: req.headers, params });
      const status = scripted.shift() ?? 200;
      const answer = () => {
        res.writeHead(status, { 'content-type': 'text/xml' });
        res.end('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
      };
      if (delayMs > 0) setTimeout(answer, delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
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
