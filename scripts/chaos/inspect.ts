// Looks into a run the suite kept (it keeps its temp dir when an invariant broke): starts that run's
// Postgres again on a free port and prints customers' threads as the dashboard orders them, and with
// `--turns` each conversation's turns as its workflow history records them (a Temporal dev server on a
// copy of the run's SQLite file).
//   tsx scripts/chaos/inspect.ts <kept run directory> [--turns] [+15551234567 …]   (no customer: every thread)
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import pg from 'pg';
import { startEmbeddedPostgres } from '../devstack/embedded-postgres.js';
import { freePort } from '../devstack/ports.js';
import { startTemporalDevServer, type RunningTemporal } from '../devstack/temporal-dev-server.js';
import { loadTurns, type ConversationTurns } from './turns.js';

const args = process.argv.slice(2);
const withTurns = args.includes('--turns');
const [dir, ...customers] = args.filter((a) => a !== '--turns');
if (!dir) {
  console.error('usage: tsx scripts/chaos/inspect.ts <kept run dir> [--turns] [customer E.164…]');
  process.exit(2);
}
const running = await startEmbeddedPostgres({ dataDir: path.join(dir, 'postgres', 'data'), port: await freePort(), logFile: null });
const client = new pg.Client({ connectionString: running.url });
let temporal: RunningTemporal | null = null;
let copy: string | null = null;
try {
  await client.connect();
  const { rows: all } = await client.query<{ id: string; customer_address: string; workflow_id: string }>(
    `SELECT id, customer_address, workflow_id FROM conversations ORDER BY customer_address`,
  );
  const conversations = all.filter((c) => customers.length === 0 || customers.some((x) => c.customer_address.endsWith(x)));

  let turns = new Map<string, ConversationTurns>();
  if (withTurns) {
    // A copy: the kept file stays as the run left it.
    copy = await mkdtemp(path.join(tmpdir(), 'wara-chaos-inspect-'));
    await cp(path.join(dir, 'temporal'), copy, { recursive: true });
    temporal = await startTemporalDevServer({ headless: true, dbFile: path.join(copy, 'temporal.sqlite') });
    const connection = await Connection.connect({ address: temporal.address });
    const { rows: replies } = await client.query<{ id: string; reply_to_message_sid: string }>(
      `SELECT id, reply_to_message_sid FROM messages WHERE source = 'ai' AND reply_to_message_sid IS NOT NULL`,
    );
    turns = await loadTurns(connection, conversations.map((c) => ({ conversationId: c.id, workflowId: c.workflow_id })), new Map(replies.map((r) => [r.id, r.reply_to_message_sid])));
    await connection.close();
  }

  for (const c of conversations) {
    console.log(`\n== ${c.customer_address}  (${c.workflow_id})`);
    const { rows } = await client.query(
      `SELECT direction::text, provider_message_sid, reply_to_message_sid, created_at, status::text, source::text, no_reply_reason,
              error_code, send_attempts, left(body, 60) AS body
       FROM messages WHERE conversation_id = $1 ORDER BY created_at, id`,
      [c.id],
    );
    for (const r of rows) {
      const who = r.direction === 'inbound' ? `in  ${r.provider_message_sid}` : `out ${r.provider_message_sid ?? '(no sid)'} → ${r.reply_to_message_sid}`;
      console.log(
        `  ${(r.created_at as Date).toISOString().slice(11, 23)} ${who} ${r.status}${r.no_reply_reason ? ` [${r.no_reply_reason}]` : ''}` +
          `${r.error_code ? ` (${r.error_code})` : ''} ${JSON.stringify(r.body)}`,
      );
    }
    const t = turns.get(c.id);
    if (t) {
      for (const turn of t.turns) console.log(`  turn → ${turn.lastSid}: [${turn.sids.join(', ')}]`);
      if (t.untaken.length) console.log(`  signalled, in no turn: ${t.untaken.join(', ')}`);
      for (const a of t.anomalies) console.log(`  anomaly: ${a}`);
    }
  }
  const { rows: handoffs } = await client.query('SELECT message_sid FROM inbound_handoffs ORDER BY created_at');
  if (handoffs.length) console.log(`\nhand-offs left: ${handoffs.map((h) => h.message_sid).join(', ')}`);
} finally {
  await client.end().catch(() => undefined);
  await running.stop();
  await temporal?.stop();
  if (copy) await rm(copy, { recursive: true, force: true });
}
