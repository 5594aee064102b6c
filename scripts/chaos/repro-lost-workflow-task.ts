// Deterministic reproduction of the fault suite's finding "a reply drafted in a workflow task that never
// completed": with inline replies (the default) the draft and the send are local activities, so their side
// effects (the intent row keyed by the turn's last sid, the Twilio send) happen BEFORE the workflow task
// that chose the turn is recorded. If that task is lost (worker killed, Temporal unreachable, task timeout)
// and a new message is signalled before it runs again, the retried task builds a different turn (more
// messages, another last sid) and drafts a second reply. On the suite's stack (API and worker as processes),
// with a proxy between the worker and the Twilio stand-in:
//   1. the customer writes A; the proxy passes A's reply to Twilio, which accepts it, but holds Twilio's
//      answer (a slow network); the worker is killed (kill -9) while it waits;
//   2. the customer writes B; the worker starts again 1.5 s later.
// Twilio's status callback records the send on A's reply (`?m=`), and the retried workflow task answers
// [A, B] with a second reply: the customer is answered twice for A.
//   tsx scripts/chaos/repro-lost-workflow-task.ts [--orphan] [--child]   exit 1 = reproduced, 0 = answered once
// `--orphan` kills the worker right after A's reply row is written, before any send: A's reply then stays
// `queued` for ever (usage counted, never sent) — the variant the suite hit on its own. `--child` runs the
// same with REPLY_WORKFLOW=child (the turn is fixed in history before anything runs: answered once).
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { DEFAULT_WEBHOOK_RETRY } from './run.js';
import { connectShop } from './shop.js';
import { startChaosStack } from './stack.js';
import { loadTurns } from './turns.js';

const orphan = process.argv.includes('--orphan');
const log = (line: string) => console.log(`[repro] ${line}`);
const dir = await mkdtemp(path.join(tmpdir(), 'wara-chaos-repro-'));
const hold = holdingProxy();
const stack = await startChaosStack({
  dir,
  webhookRetry: DEFAULT_WEBHOOK_RETRY,
  clock: () => 0,
  log,
  twilioUrlForProcesses: hold.start,
  ...(process.argv.includes('--child') ? { extraEnv: { REPLY_WORKFLOW: 'child' } } : {}),
});
const pool = new pg.Pool({ connectionString: stack.databaseUrl, max: 2 });
let reproduced: boolean;
try {
  const shop = await connectShop(stack);
  const customer = '+15550004321';
  const send = (body: string) => stack.control.inbound({ to: shop.phone, from: customer, body });
  const until = async <T>(probe: () => Promise<T | null | undefined>, what: string, ms = 60_000): Promise<T> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = await probe();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  type Row = { id: string; provider_message_sid: string | null; status: string; send_attempted_at: Date | null; body: string; created_at: Date };
  const replyTo = async (sid: string) =>
    (await pool.query<Row>('SELECT id, provider_message_sid, status::text AS status, send_attempted_at, body, created_at FROM messages WHERE reply_to_message_sid = $1', [sid])).rows[0];

  hold.armed = !orphan;
  const a = await send('Hi! How much is the blue cotton t-shirt?');
  if (orphan) {
    log(`A ${a.message.sid} sent; waiting until its reply row is written`);
    await until(() => replyTo(a.message.sid), "A's reply row", 30_000);
  } else {
    log(`A ${a.message.sid} sent; waiting until Twilio has accepted its reply (the proxy holds Twilio's answer)`);
    await until(async () => (await stack.control.messages({ direction: 'outbound-api', to: `whatsapp:${customer}` })).messages.length > 0, 'Twilio to accept the reply to A');
  }
  const killed = await stack.worker.kill9();
  log(`worker (pid ${killed}) killed ${orphan ? 'before sending' : 'while waiting for Twilio\'s answer'}`);
  hold.release();
  const b = await send('and the coffee mug?');
  log(`B ${b.message.sid} sent while no worker runs`);
  await new Promise((r) => setTimeout(r, 1_500));
  await stack.worker.start();
  log(`worker started again (pid ${stack.worker.pid})`);

  const replyB = await until(async () => {
    const r = await replyTo(b.message.sid);
    return r?.provider_message_sid ? r : null;
  }, "the retried task's reply");
  const replyA = await until(async () => {
    const r = await replyTo(a.message.sid);
    return r?.provider_message_sid || r?.status === 'queued' ? r : null;
  }, "A's first reply");
  await stack.twilio.idle();
  const { messages } = await stack.control.messages({ direction: 'outbound-api', to: `whatsapp:${customer}` });
  const { rows: conv } = await pool.query<{ id: string; workflow_id: string }>('SELECT id, workflow_id FROM conversations WHERE tenant_id = $1', [shop.tenantId]);
  const replyToOf = new Map([[replyA.id, a.message.sid], [replyB.id, b.message.sid]]);
  const turns = await loadTurns(await stack.temporal(), conv.map((c) => ({ conversationId: c.id, workflowId: c.workflow_id })), replyToOf);
  const recorded = [...turns.values()][0]?.turns ?? [];

  console.log(`\nthe workflow's history records these turns: ${JSON.stringify(recorded.map((t) => t.sids))}`);
  console.log(`reply rows:\n  to A: ${replyA.id} ${replyA.provider_message_sid ?? '(no sid)'} ${replyA.status}  ${JSON.stringify(replyA.body.slice(0, 60))}`);
  console.log(`  to B: ${replyB.id} ${replyB.provider_message_sid} ${replyB.status}  ${JSON.stringify(replyB.body.slice(0, 60))}`);
  console.log(`the customer received ${messages.length} messages:`);
  for (const m of messages) console.log(`  ${m.sid}  ${JSON.stringify(m.body.slice(0, 70))}`);
  const aInRecordedTurnOfB = recorded.some((t) => t.lastSid === b.message.sid && t.sids.includes(a.message.sid));
  reproduced = aInRecordedTurnOfB && (messages.length > 1 || replyA.provider_message_sid === null);
  console.log(
    !reproduced
      ? '\nnot reproduced: A was answered once'
      : messages.length > 1
        ? `\nREPRODUCED: A (${a.message.sid}) was answered twice — by ${replyA.id}, drafted and sent in the lost workflow task, and by ${replyB.id}, the recorded turn [A, B].`
        : `\nREPRODUCED (orphan): A's reply ${replyA.id} stays ${replyA.status} for ever; the recorded turn [A, B] was answered by ${replyB.id}.`,
  );
} finally {
  await pool.end();
  await stack.close();
  await hold.close();
  await rm(dir, { recursive: true, force: true });
}
process.exit(reproduced ? 1 : 0);

/**
 * Forwards every request to the stand-in at once; while `armed`, holds the answer to the first message
 * send until `release()` (Twilio has accepted the message; its answer is slow to come back).
 */
function holdingProxy() {
  let target = '';
  let released!: () => void;
  const releasedP = new Promise<void>((r) => (released = r));
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const holdThis = state.armed && req.method === 'POST' && /\/Messages\.json$/.test(new URL(req.url ?? '/', target).pathname);
      if (holdThis) state.armed = false;
      const upstream = http.request(new URL(req.url ?? '/', target), { method: req.method, headers: req.headers }, (up) => {
        const body: Buffer[] = [];
        up.on('data', (c: Buffer) => body.push(c));
        up.on('end', () => {
          void (holdThis ? releasedP : Promise.resolve()).then(() => {
            if (res.destroyed) return;
            res.writeHead(up.statusCode ?? 502, up.headers);
            res.end(Buffer.concat(body));
          });
        });
      });
      upstream.on('error', () => res.destroy());
      upstream.end(Buffer.concat(chunks));
    });
  });
  const state = {
    armed: false,
    async start(standInUrl: string): Promise<string> {
      target = standInUrl;
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    },
    release: () => released(),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
  return state;
}
