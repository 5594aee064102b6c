// Twilio webhooks that arrive while our database is out of reach. Twilio does not come back on its own: a
// messaging webhook is retried only within its 15-second connection budget (connection overrides `rc`/`tt`),
// so a 503 during a one-minute Postgres restart would lose the customer's message. Instead the raw signed
// request goes to local disk (one file each, fsynced, renamed into place), Twilio gets its 200, and the
// spool replays it through the same handler once the database answers: verified then (the tenant's token is
// in the database too), stored idempotently by MessageSid, so a replay after a crash is harmless.
//
// Bounded: at most `maxEntries` files (a forged flood during an outage fills it and then gets the 503 it
// would have got anyway); each file is one request body, already under the body limit.
import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { formBody } from './params.js';

/** What a webhook was, exactly as signed: enough to run it again later. */
export const spooledWebhook = z.object({
  route: z.enum(['whatsapp', 'sms', 'status']),
  /** The path and query as received (Twilio signed our public base + this). */
  url: z.string().max(4096),
  signature: z.string().max(512),
  params: formBody,
  receivedAt: z.iso.datetime(),
});
export type SpooledWebhook = z.infer<typeof spooledWebhook>;

/** done: stored (or a duplicate); drop: never will be (forged, malformed); later: the database is still away. */
export type ReplayOutcome = 'done' | 'drop' | 'later';

export interface SpoolLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface WebhookSpool {
  /** Keeps the webhook on disk; false when the spool is full (the caller answers 503 as before). */
  keep(entry: Omit<SpooledWebhook, 'receivedAt'>): Promise<boolean>;
  /** Replays what is kept, oldest first, until done or the database is still away. Returns how many remain. */
  drain(): Promise<number>;
  /** Drains every `intervalMs` while anything is kept. */
  start(intervalMs?: number): Promise<void>;
  close(): Promise<void>;
  size(): number;
}

export function createWebhookSpool(options: {
  dir: string;
  maxEntries: number;
  replay: (entry: SpooledWebhook) => Promise<ReplayOutcome>;
  log: SpoolLog;
}): WebhookSpool {
  const { dir, maxEntries, replay, log } = options;
  let kept = 0;
  let seq = 0;
  let timer: NodeJS.Timeout | null = null;
  let draining: Promise<number> | null = null;
  let ready: Promise<void> | null = null;
  let closed = false;
  let interval = 1000;

  const prepare = () =>
    (ready ??= (async () => {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      // A .tmp file is a webhook whose write never finished: Twilio never got its 200, so it will not be missed.
      for (const name of await readdir(dir)) if (name.endsWith('.tmp')) await unlink(path.join(dir, name)).catch(() => {});
      kept = (await entries()).length;
      if (kept > 0) log.warn({ kept, dir }, 'webhook spool: replaying webhooks kept during a database outage');
    })());

  async function entries(): Promise<string[]> {
    return (await readdir(dir)).filter((name) => name.endsWith('.json')).sort();
  }

  async function keep(entry: Omit<SpooledWebhook, 'receivedAt'>): Promise<boolean> {
    await prepare();
    if (kept >= maxEntries) {
      log.warn({ kept, maxEntries }, 'webhook spool full: answering 503');
      return false;
    }
    kept += 1;
    // Sortable by arrival: time, then a per-process sequence; the uuid keeps names unique across restarts.
    const name = `${Date.now().toString().padStart(15, '0')}-${(seq++).toString().padStart(9, '0')}-${randomUUID()}`;
    const body = JSON.stringify({ ...entry, receivedAt: new Date().toISOString() } satisfies SpooledWebhook);
    const temporary = path.join(dir, `${name}.tmp`);
    try {
      const file = await open(temporary, 'wx', 0o600);
      try {
        await file.writeFile(body);
        // On disk before Twilio hears 200: that answer is a promise the message will be stored.
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temporary, path.join(dir, `${name}.json`));
    } catch (err) {
      kept -= 1;
      await unlink(temporary).catch(() => {});
      throw err;
    }
    log.warn({ route: entry.route }, 'database unavailable: webhook kept in the spool');
    schedule();
    return true;
  }

  async function drainOnce(): Promise<number> {
    await prepare();
    const names = await entries();
    let remaining = names.length;
    for (const name of names) {
      const file = path.join(dir, name);
      const entry = spooledWebhook.safeParse(await readJson(file));
      const outcome: ReplayOutcome = entry.success ? await replay(entry.data) : 'drop';
      if (outcome === 'later') break;
      if (outcome === 'drop') log.warn({ file: name }, 'webhook spool: dropped a kept webhook that cannot be stored (forged or malformed)');
      await unlink(file).catch(() => {});
      remaining -= 1;
    }
    kept = remaining;
    if (names.length > remaining) log.info({ replayed: names.length - remaining, remaining }, 'webhook spool: replayed');
    return remaining;
  }

  function drain(): Promise<number> {
    draining ??= drainOnce().finally(() => {
      draining = null;
    });
    return draining;
  }

  function schedule(): void {
    if (timer || closed) return;
    timer = setTimeout(() => {
      timer = null;
      void drain()
        .then((remaining) => {
          if (remaining > 0) schedule();
        })
        .catch((err: unknown) => {
          log.warn({ err: { message: err instanceof Error ? err.message : String(err) } }, 'webhook spool: drain failed; trying again');
          schedule();
        });
    }, interval);
    timer.unref();
  }

  return {
    keep,
    drain,
    size: () => kept,
    async start(intervalMs = 1000) {
      interval = intervalMs;
      await prepare();
      if (kept > 0) schedule();
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await draining?.catch(() => {});
    },
  };
}

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch {
    return null;
  }
}
