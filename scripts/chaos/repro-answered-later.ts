// Deterministic reproduction of the fault suite's finding "answered in a later turn, but the thread shows
// no reply and no reason" — without any fault. On the suite's stack (API and worker as processes):
//   1. the customer writes A; its reply is drafted slowly (the OpenAI stand-in holds the call 3 s);
//   2. while A's reply is being drafted, the customer writes B (stored before A's reply row is written);
//   3. as soon as A's reply row exists, the customer writes C (within the next turn's quiet period).
// The workflow answers B and C together (turn [B, C], one reply keyed by C), but the thread, ordered by
// created_at, reads A, B, reply(A), C, reply(C): noReplyReasons() finds no answered message after B before
// the next outbound, so the dashboard shows B with no reply and no reason.
//   tsx scripts/chaos/repro-answered-later.ts        exit 1 = reproduced, 0 = B is shown as answered
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { noReplyReasons } from '../../lib/conversations/no-reply.js';
import { DEFAULT_WEBHOOK_RETRY } from './run.js';
import { connectShop } from './shop.js';
import { startChaosStack } from './stack.js';
import { loadTurns } from './turns.js';

const log = (line: string) => console.log(`[repro] ${line}`);
const dir = await mkdtemp(path.join(tmpdir(), 'wara-chaos-repro-'));
const stack = await startChaosStack({ dir, webhookRetry: DEFAULT_WEBHOOK_RETRY, clock: () => 0, log });
const pool = new pg.Pool({ connectionString: stack.databaseUrl, max: 2 });
let reproduced: boolean;
try {
  const shop = await connectShop(stack);
  const customer = '+15550001234';
  const send = (body: string) => stack.control.inbound({ to: shop.phone, from: customer, body });
  const until = async <T>(probe: () => Promise<T | null>, what: string, ms = 30_000): Promise<T> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = await probe();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const replyTo = async (sid: string) =>
    (await pool.query<{ id: string }>('SELECT id FROM messages WHERE reply_to_message_sid = $1', [sid])).rows[0] ?? null;

  stack.openai.control.hang(3_000, 1, 'understanding');
  const a = await send('Hi! How much is the blue cotton t-shirt?');
  log(`A ${a.message.sid} sent; waiting until its reply is being drafted`);
  await until(async () => (stack.openai.control.requests().length > 0 ? true : null), 'the draft of A to start');
  const b = await send('and the coffee mug?');
  log(`B ${b.message.sid} sent while A's reply is drafted`);
  await until(() => replyTo(a.message.sid), "A's reply row");
  const c = await send('Do you ship to Canada?');
  log(`C ${c.message.sid} sent right after A's reply row was written`);
  await until(() => replyTo(c.message.sid), "C's reply row");
  const own = await replyTo(b.message.sid);

  const { rows } = await pool.query<{ direction: 'inbound' | 'outbound'; providerMessageSid: string | null; replyToMessageSid: string | null; noReplyReason: string | null; turnKeySid: string | null; body: string; createdAt: Date }>(
    `SELECT direction::text AS direction, provider_message_sid AS "providerMessageSid", reply_to_message_sid AS "replyToMessageSid",
            no_reply_reason AS "noReplyReason", turn_key_sid AS "turnKeySid", body, created_at AS "createdAt"
     FROM messages WHERE tenant_id = $1 ORDER BY created_at, id`,
    [shop.tenantId],
  );
  const reasons = noReplyReasons(rows);
  const { rows: conv } = await pool.query<{ id: string; workflow_id: string }>('SELECT id, workflow_id FROM conversations WHERE tenant_id = $1', [shop.tenantId]);
  const { rows: replies } = await pool.query<{ id: string; reply_to_message_sid: string }>(
    `SELECT id, reply_to_message_sid FROM messages WHERE tenant_id = $1 AND reply_to_message_sid IS NOT NULL`,
    [shop.tenantId],
  );
  const turns = await loadTurns(await stack.temporal(), conv.map((c) => ({ conversationId: c.id, workflowId: c.workflow_id })), new Map(replies.map((r) => [r.id, r.reply_to_message_sid])));
  const recorded = [...turns.values()][0]?.turns ?? [];
  const replied = new Set(rows.map((m) => m.replyToMessageSid).filter(Boolean));
  console.log('\nthread as the dashboard orders it (created_at, id), with noReplyReasons():');
  rows.forEach((m, i) => {
    const who = m.direction === 'inbound' ? `in  ${m.providerMessageSid}` : `out → ${m.replyToMessageSid}`;
    const status = m.direction === 'outbound' ? '' : replied.has(m.providerMessageSid) ? '  [own reply]' : `  [reason: ${reasons[i] ?? 'NONE'}]`;
    console.log(`  ${m.createdAt.toISOString().slice(11, 23)} ${who}  ${JSON.stringify(m.body.slice(0, 50))}${status}`);
  });
  const names = new Map([[a.message.sid, 'A'], [b.message.sid, 'B'], [c.message.sid, 'C']]);
  console.log(`\nthe workflow's history records the turns ${recorded.map((t) => `[${t.sids.map((x) => names.get(x) ?? x).join(', ')}]`).join(' ')}`);
  const bIndex = rows.findIndex((m) => m.providerMessageSid === b.message.sid);
  const bAnsweredWithC = recorded.some((t) => t.lastSid === c.message.sid && t.sids.includes(b.message.sid));
  reproduced = bAnsweredWithC && !own && reasons[bIndex] === null;
  console.log(
    reproduced
      ? `\nREPRODUCED: B (${b.message.sid}) was answered in C's turn, but has no reply of its own and the thread gives it no reason.`
      : `\nnot reproduced: B's reply ${own ? own.id : '(none)'}, reason ${reasons[bIndex] ?? '(none)'}`,
  );
} finally {
  await pool.end();
  await stack.close();
  await rm(dir, { recursive: true, force: true });
}
process.exit(reproduced ? 1 : 0);
