// The reply backlog on /metrics, across shops: customer messages waiting for a turn in Temporal (the relay's
// hand-off rows), the oldest one's age, how many shops are past "delayed", and the messages shed in the last
// hour. Read from the database at scrape time, so every API instance reports the same numbers; an alert on
// the oldest age pages someone before merchants start to call.
import type pg from 'pg';
import { Gauge, type Registry } from 'prom-client';
import { readBacklogByShop, type BacklogTotals } from '../lib/conversations/reply-backlog.js';
import { oncePerScrape } from './metrics.js';

export function registerReplyBacklogMetrics(registry: Registry, pool: pg.Pool): void {
  const read = oncePerScrape(async () => (await readBacklogByShop(pool, 0)).totals);
  const gauge = (name: string, help: string, value: (t: BacklogTotals) => number | null) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const totals = await read();
        this.set(totals === null ? Number.NaN : (value(totals) ?? 0));
      },
    });
  gauge('wara_reply_backlog_messages', 'Customer messages stored and not yet handed to their conversation workflow, all shops', (t) => t.waiting);
  gauge('wara_reply_backlog_oldest_seconds', 'Age of the oldest customer message waiting for a turn (0: none waiting)', (t) => t.oldestWaitingSeconds);
  gauge('wara_reply_backlog_shops_delayed', 'Shops whose oldest waiting message has waited 30 s or more', (t) => t.shopsDelayed);
  gauge('wara_replies_shed_last_hour', 'Customer messages left to their merchant in the last hour because the shop\'s backlog was full', (t) => t.notAnsweredLastHour);
}
