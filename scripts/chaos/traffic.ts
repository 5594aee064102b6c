// The customers: N of them, M messages each, realistic product questions (several languages, bursts of
// quick follow-ups, slower turns), ~duplicateRate of the messages delivered more than once (the Twilio
// stand-in's `duplicates`, each delivery with its own idempotency token) and some customers' messages
// delivered out of order: two consecutive messages whose webhooks start the other way round, a few ms apart,
// so they are in flight at the same time. Deterministic for a seed (what is sent and when; not how the
// system under test interleaves it).
import http from 'node:http';
import type { WebhookDelivery } from '../../fakes/twilio/types.js';

export interface TrafficOptions {
  customers: number;
  messagesPerCustomer: number;
  /** Share of messages Twilio delivers twice or more. */
  duplicateRate: number;
  /** Share of customers with a pair of messages delivered out of order. */
  reorderRate: number;
  /** The span over which customers write (the last message is due by then). */
  durationMs: number;
  seed: number;
}

export interface PlannedMessage {
  /** Assigned here (the stand-in uses it), so the plan knows every sid before anything is sent. */
  sid: string;
  customer: string;
  customerIndex: number;
  /** 1-based position in the customer's own order of writing. */
  seq: number;
  body: string;
  /** Extra deliveries of the same MessageSid. */
  duplicates: number;
  /** When the webhook starts, ms after traffic start. */
  dueMs: number;
  /** Delivered before the customer's previous message (or right after its successor). */
  reordered: boolean;
}

/** Small, fast, seedable PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const OPENERS = [
  'Hi! How much is the blue cotton t-shirt?',
  'Hello, do you have the leather backpack in stock?',
  'Hola, ¿cuánto cuesta la mochila de cuero?',
  'Olá! Quanto custa a garrafa de água?',
  'Guten Tag, was kostet die Sonnenbrille?',
  'Bonjour, combien coûte l’écharpe en soie ?',
  'Hi there',
  'Good morning, is the wool beanie hat available?',
  'hey, do you sell red running shoes?',
  'Hello! What does the ceramic coffee mug cost?',
];
/** A customer's later messages: drawn without repeats, so a body names its message within a conversation. */
const LATER = [
  'and the coffee mug?',
  'Is the beanie hat back in stock?',
  'What colour is the t-shirt exactly?',
  'How much for the sunglasses?',
  'Do you have the steel water bottle?',
  'Is SKU TS-001 still available?',
  '¿Tienen zapatos rojos?',
  'Tem mochila de couro?',
  'Habt ihr eine Kaffeetasse?',
  'Est-ce que le sac à dos en cuir est disponible ?',
  'what about the silk scarf',
  'Do you ship to Canada?',
  'is the backpack real leather?',
  'How much are the running shoes in size 42?',
  'lether bakcpack price?',
  'and the black sunglasses, in stock?',
  'ok',
  'great, thanks!',
  'and in blue?',
  'perfect',
  'how many do you have?',
  'ok and the price with shipping?',
  'Can I pick it up in the shop?',
  'Do you have the scarf in red?',
  'what sizes for the t-shirt?',
];

function sid(next: () => number): string {
  let hex = '';
  for (let i = 0; i < 32; i++) hex += Math.floor(next() * 16).toString(16);
  return `SM${hex}`;
}

export function planTraffic(options: TrafficOptions): PlannedMessage[] {
  const next = rng(options.seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  const between = (lo: number, hi: number) => lo + next() * (hi - lo);
  const plan: PlannedMessage[] = [];
  const D = options.durationMs;
  const n = options.messagesPerCustomer;
  // Customers' numbers: a block that depends on the seed (each run has its own database anyway).
  const block = Math.floor(next() * 9_000) * 1_000;

  for (let c = 0; c < options.customers; c++) {
    const customer = `+1555${String(1_000_000 + block + c).slice(-7)}`;
    // Quick follow-ups (a burst the quiet period merges) and slower turns, squeezed to end by D.
    const start = between(0, 0.7 * D);
    const gaps = Array.from({ length: n - 1 }, () => (next() < 0.35 ? between(150, 1_200) : between(2_000, 12_000)));
    const span = gaps.reduce((a, b) => a + b, 0);
    const scale = span > 0 && start + span > D ? (D - start) / span : 1;
    let at = start;
    const messages: PlannedMessage[] = [];
    const later = [...LATER];
    for (let k = 0; k < n; k++) {
      if (k > 0) at += gaps[k - 1]! * scale;
      const body = k === 0 ? pick(OPENERS) : later.length > 0 ? later.splice(Math.floor(next() * later.length), 1)[0]! : `one more question (${k + 1})`;
      const duplicates = next() < options.duplicateRate ? (next() < 0.25 ? 2 : 1) : 0;
      messages.push({ sid: sid(next), customer, customerIndex: c, seq: k + 1, body, duplicates, dueMs: Math.round(at), reordered: false });
    }
    if (n >= 2 && next() < options.reorderRate) {
      // Messages k and k+1: k+1's webhook starts first, k's a few ms later; both in flight at once.
      const k = Math.floor(next() * (n - 1));
      const [a, b] = [messages[k]!, messages[k + 1]!];
      b.dueMs = a.dueMs;
      a.dueMs = b.dueMs + Math.round(between(2, 40));
      a.reordered = b.reordered = true;
      for (let j = k + 2; j < n; j++) messages[j]!.dueMs = Math.max(messages[j]!.dueMs, a.dueMs + 1);
    }
    plan.push(...messages);
  }
  return plan.sort((x, y) => x.dueMs - y.dueMs);
}

export interface DeliveryOutcome {
  message: PlannedMessage;
  deliveries: WebhookDelivery[];
  error: string | null;
}

export interface TrafficRun {
  /** Resolves when every message was posted and every delivery of it (with retries) has ended. */
  done: Promise<DeliveryOutcome[]>;
  /** Resolves when the last message has been handed to the stand-in (its deliveries may still be retrying). */
  posted: Promise<void>;
  stats(): { posted: number; settled: number };
  /** Posts nothing more (a run that failed half-way); deliveries under way finish on their own. */
  stop(): void;
}

/**
 * Sends the plan through the stand-in's control API (`POST /_control/inbound` with our sid, `duplicates` and
 * `wait: true`): the stand-in signs, delivers, retries on 5xx/timeouts with its webhook policy and requests
 * the Fallback URL as Twilio does. Plain node:http without a timeout: during an outage one call lasts as
 * long as the stand-in keeps retrying.
 */
export function runTraffic(plan: readonly PlannedMessage[], target: { twilioUrl: string; shopPhone: string }, clock: () => number): TrafficRun {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  let posted = 0;
  let settled = 0;
  let stopped = false;
  const outcomes: Array<Promise<DeliveryOutcome>> = [];
  const postedAll = (async () => {
    for (const message of plan) {
      const wait = message.dueMs - clock();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (stopped) break;
      posted += 1;
      outcomes.push(
        controlInbound(agent, target.twilioUrl, {
          to: target.shopPhone,
          from: message.customer,
          body: message.body,
          messageSid: message.sid,
          profileName: `Customer ${message.customerIndex + 1}`,
          duplicates: message.duplicates,
          wait: true,
        }).then(
          (res) => ({ message, deliveries: res.deliveries, error: null }),
          (err: unknown) => ({ message, deliveries: [], error: (err as Error).message }),
        ).finally(() => {
          settled += 1;
        }),
      );
    }
  })();
  return {
    posted: postedAll,
    done: postedAll.then(() => Promise.all(outcomes)).finally(() => agent.destroy()),
    stats: () => ({ posted, settled }),
    stop: () => void (stopped = true),
  };
}

function controlInbound(agent: http.Agent, baseUrl: string, body: object): Promise<{ deliveries: WebhookDelivery[] }> {
  const url = new URL('/_control/inbound', baseUrl);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`control inbound answered ${res.statusCode}: ${text.slice(0, 300)}`));
        try {
          resolve(JSON.parse(text) as { deliveries: WebhookDelivery[] });
        } catch (err) {
          reject(err as Error);
        }
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}
