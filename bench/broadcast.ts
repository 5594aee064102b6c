// A 100,000-recipient WhatsApp broadcast at a configured 500 messages a second, on the run command's components:
// embedded Postgres, the Temporal dev server, the production worker as its own process (worker/main.ts, polling
// the broadcasts queue), and the Twilio stand-in in this process with a send rate limit `--headroom` × the
// configured rate (default 1.25: the pacing catches up at most 1.1×, and the stand-in shares this busy process,
// so a stall here bunches arrivals). Status callbacks are off by default (the cost measured is the broadcast's
// own); `--callbacks` turns them on, with the API as its own process receiving them (three per message).
//   tsx bench/broadcast.ts [--recipients 100000] [--rate 500] [--callbacks] [--headroom 1.25] [--probe 3000]
// Prints: achieved rate (first to last send at the stand-in) against the configured one and beside it a
// reference measured in the same run (the stand-in's raw accept rate: `--probe` unpaced sends from this process,
// 64 at once, before and after the broadcast), workflow time, each batch's pacing (set-up, how far behind its
// timeline it started / got / ended, send span, most sends in a second, 429s), the throttle count, each run's
// history event count (continue-as-new keeps them bounded), the worker's peak RSS and CPU, the machine's load
// (sampled through the run), and checks that every recipient got exactly one message.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { cpus, hostname, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { z } from 'zod';
import { FakeTwilioControl } from '../fakes/twilio/control-client.js';
import { startFakeTwilio, type FakeTwilio } from '../fakes/twilio/server.js';
import { recordOptIns } from '../lib/broadcasts/consent.js';
import { createSecretBox, createTenantCredentials, formatKey, parseKeyring } from '../lib/crypto/index.js';
import { createPrismaClient } from '../lib/db/client.js';
import { closeSqlPool, sqlPool } from '../lib/db/sql.js';
import { workflowIds } from '../lib/temporal/names.js';
import { createTwilioClient } from '../lib/twilio/client.js';
import { startTemporalDevServer } from '../scripts/devstack/temporal-dev-server.js';
import { freePort, waitForPort } from '../scripts/devstack/ports.js';
import { startTestDatabase } from '../test/support/database.js';
import { bundleWorkflows } from '../worker/bundle.js';
import type { BatchReport } from '../activities/twilio-broadcasts.js';
import { broadcastProgress, broadcastTaskQueue, broadcastWorkflowType, type BroadcastWorkflow } from '../workflows/contracts/broadcast.js';
import { allProcs, procStat } from './proc-stat.js';

const USAGE = `tsx bench/broadcast.ts [options]
  --recipients N   opted-in customers the broadcast goes to (default 100000)
  --rate R         configured messages a second (default 500)
  --headroom H     the stand-in refuses (429 / 20429) above H × R in any sliding second (default 1.25)
  --probe N        sends of the raw-accept reference before and after the broadcast (default 3000; 0: none)
  --callbacks      status callbacks on (the API runs as its own process and receives three per message)
  --help           this text`;
const parsed = parseArgs({
  options: { recipients: { type: 'string' }, rate: { type: 'string' }, callbacks: { type: 'boolean' }, headroom: { type: 'string' }, probe: { type: 'string' }, help: { type: 'boolean' } },
});
if (parsed.values.help) {
  console.log(USAGE);
  process.exit(0);
}
const args = z
  .object({
    recipients: z.coerce.number().int().min(1).default(100_000),
    rate: z.coerce.number().min(1).default(500),
    callbacks: z.boolean().default(false),
    headroom: z.coerce.number().min(1).default(1.25),
    probe: z.coerce.number().int().min(0).default(3_000),
  })
  .parse(parsed.values);

const ROOT = path.join(import.meta.dirname, '..');
const MASTER = { sid: `AC${randomBytes(16).toString('hex')}`, token: randomBytes(16).toString('hex') };
const QUEUE = 'bench-broadcast';
/** The stand-in's send limit, over the configured rate (`--headroom`). */
const LIMIT_HEADROOM = args.headroom;
const dir = await mkdtemp(path.join(tmpdir(), 'wara-bench-broadcast-'));
const children: ChildProcess[] = [];
const stops: Array<() => Promise<void>> = [];
const cleanup = async () => {
  for (const c of children) c.kill('SIGTERM');
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
};
process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));

try {
  console.log(
    `broadcast bench: ${args.recipients.toLocaleString('en')} recipients at ${args.rate} msg/s, stand-in limit ${Math.ceil(args.rate * LIMIT_HEADROOM)}/s (${LIMIT_HEADROOM}×), ` +
      `status callbacks ${args.callbacks ? 'on' : 'off'}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores`,
  );
  const [db, temporal, bundle] = await Promise.all([startTestDatabase(), startTemporalDevServer({ headless: true, background: true, logFile: path.join(dir, 'temporal.log') }), bundleWorkflows()]);
  stops.push(db.stop, temporal.stop);
  const bundlePath = path.join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  const fake = await startFakeTwilio({
    masterAccountSid: MASTER.sid,
    masterAuthToken: MASTER.token,
    // The stand-in refuses (429 / 20429) above `--headroom` × the configured rate in any second: a burst detector
    // with room for the stalls of a shared 2-core machine (a delayed handful arrives together and counts in one window).
    config: { messageStatusDelayMs: args.callbacks ? 500 : null, sendRateLimitPerSecond: Math.ceil(args.rate * LIMIT_HEADROOM) },
  });
  stops.push(fake.close);
  const apiPort = await freePort();
  const publicUrl = `http://127.0.0.1:${apiPort}`;
  const keys = formatKey('bench', randomBytes(32));
  const env = {
    ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'warn', DATABASE_URL: db.url, TEMPORAL_ADDRESS: temporal.address, TEMPORAL_TASK_QUEUE: QUEUE,
    API_PORT: String(apiPort), SERVER_PUBLIC_URL: publicUrl, WORKFLOW_BUNDLE_PATH: bundlePath, TWILIO_ACCOUNT_SID: MASTER.sid, TWILIO_AUTH_TOKEN: MASTER.token,
    TWILIO_API_BASE_URL: fake.url, SECRETS_ENCRYPTION_KEYS: keys, WEBHOOK_RATE_LIMIT_PER_MINUTE: '100000000', WORKER_METRICS_ADDRESS: 'off',
  };

  // A connected merchant (as onboarding leaves it) with an approved template and the opted-in audience.
  const prisma = createPrismaClient(db.url, { max: 4 });
  const master = createTwilioClient({ accountSid: MASTER.sid, authToken: MASTER.token, baseUrl: fake.url });
  const control = new FakeTwilioControl(fake.url);
  const tenant = await prisma.tenant.create({ data: { name: 'Bench shop', slug: `bench-${randomBytes(4).toString('hex')}` } });
  const sub = await master.api.v2010.accounts.create({ friendlyName: `wara:${tenant.id}` });
  const key = await master.api.v2010.accounts(sub.sid).newKeys.create({ friendlyName: `wara:${tenant.id}` });
  const sender = await control.createSender(sub.sid, { phoneNumber: '+15550001000', timeline: [{ status: 'ONLINE', afterMs: 0 }] });
  const asSub = createTwilioClient({ accountSid: sub.sid, apiKey: key.sid, apiSecret: key.secret!, baseUrl: fake.url });
  const service = await asSub.messaging.v1.services.create({ friendlyName: `wara:${tenant.id}`, inboundRequestUrl: `${publicUrl}/webhooks/twilio/whatsapp`, statusCallback: `${publicUrl}/webhooks/twilio/status` });
  await asSub.messaging.v1.services(service.sid).channelSenders.create({ sid: sender.sid });
  const template = await control.createTemplate(sub.sid, { friendlyName: 'bench_sale', body: 'Hi {{1}}, the sale starts today!' });
  const account = await prisma.integrationAccount.create({
    data: { tenantId: tenant.id, status: 'connected', subaccountSid: sub.sid, messagingServiceSid: service.sid, senderSid: sender.sid, connectedAt: new Date() },
  });
  const credentials = createTenantCredentials(prisma, createSecretBox(parseKeyring(keys)));
  await credentials.storeAuthToken({ tenantId: tenant.id, accountId: account.id }, sub.authToken);
  await credentials.storeApiKey({ tenantId: tenant.id, accountId: account.id }, { sid: key.sid, secret: key.secret! });
  await prisma.integrationIdentifier.createMany({
    data: [
      { tenantId: tenant.id, accountId: account.id, kind: 'account_sid', value: sub.sid },
      { tenantId: tenant.id, accountId: account.id, kind: 'messaging_service_sid', value: service.sid },
      { tenantId: tenant.id, accountId: account.id, kind: 'whatsapp_number', value: '+15550001000' },
    ],
  });
  const seeded = performance.now();
  for (let i = 0; i < args.recipients; i += 5_000) {
    const customers = Array.from({ length: Math.min(5_000, args.recipients - i) }, (_, j) => ({ phone: `+1666${String(i + j).padStart(7, '0')}`, firstName: `C${i + j}`, tags: [] }));
    await recordOptIns(sqlPool(prisma), { tenantId: tenant.id, accountId: account.id, channel: 'whatsapp', source: 'import', consentedAt: new Date(), customers });
  }
  console.log(`  ${args.recipients.toLocaleString('en')} opted-in customers stored in ${((performance.now() - seeded) / 1000).toFixed(1)} s`);
  // The reference: how fast the stand-in accepts sends from this process right now, unpaced (its limit lifted).
  const prober = createTwilioClient({ accountSid: sub.sid, apiKey: key.sid, apiSecret: key.secret!, baseUrl: fake.url, maxSockets: 64 });
  const probeBefore = await probeAcceptRate(fake, prober, service.sid, template.sid, 'before');
  const broadcast = await prisma.broadcast.create({
    data: {
      tenantId: tenant.id, name: 'Bench', channel: 'whatsapp', contentSid: template.sid, body: 'Hi {{1}}, the sale starts today!',
      contentVariables: { '1': { field: 'first_name', fallback: 'there' } }, audience: {}, ratePerSecond: args.rate, status: 'running',
    },
  });

  const worker = launch('worker', ['worker/main.ts'], env);
  if (args.callbacks) {
    launch('api', ['api/main.ts'], env);
    await waitForPort(apiPort);
  }
  const connection = await Connection.connect({ address: temporal.address });
  stops.push(() => connection.close());
  await until(() => polls(connection, broadcastTaskQueue(QUEUE), `${worker.pid}@${hostname()}`), 'the worker to poll', 90_000);
  const client = new Client({ connection });

  const workflowId = workflowIds.broadcast(tenant.id, broadcast.id);
  const cpuBefore = procStat(worker.pid!)?.cpu ?? 0;
  const othersBefore = otherCpu();
  const selfBefore = process.cpuUsage();
  let peakRss = 0;
  const loads: number[] = [];
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssOf(worker.pid!))), 500);
  const loadSampler = setInterval(() => loads.push(loadavg()[0]!), 5_000);
  const startedAt = performance.now();
  const handle = await client.workflow.start<BroadcastWorkflow>(broadcastWorkflowType, {
    taskQueue: broadcastTaskQueue(QUEUE),
    workflowId,
    args: [{ tenantId: tenant.id, broadcastId: broadcast.id, channel: 'whatsapp', ratePerSecond: args.rate, scheduledAt: null }],
  });
  const ticker = setInterval(() => {
    const sent = fake.state.messages.size;
    process.stdout.write(`\r  ${sent.toLocaleString('en')} sent, ${((performance.now() - startedAt) / 1000).toFixed(0)} s, worker RSS ${(rssOf(worker.pid!) / 1048576).toFixed(0)} MB   `);
  }, 2_000);
  const outcome = await handle.result();
  const progress = await handle.query(broadcastProgress).catch(() => null);
  clearInterval(ticker);
  clearInterval(sampler);
  clearInterval(loadSampler);
  const wallSeconds = (performance.now() - startedAt) / 1000;
  const cpu = (procStat(worker.pid!)?.cpu ?? 0) - cpuBefore;
  const othersAfter = otherCpu();
  const self = process.cpuUsage(selfBefore);
  const selfCpu = (self.user + self.system) / 1e6;
  console.log('');

  // The stand-in's own record: when each message was created, and to whom.
  const times: number[] = [];
  const perRecipient = new Map<string, number>();
  for (const m of fake.state.messages.values()) {
    if (m.direction !== 'outbound-api' || m.accountSid !== sub.sid) continue;
    times.push(m.dateCreated);
    perRecipient.set(m.to, (perRecipient.get(m.to) ?? 0) + 1);
  }
  times.sort((a, b) => a - b);
  const sendSeconds = (times.at(-1)! - times[0]!) / 1000;
  const achieved = (times.length - 1) / sendSeconds;
  const twice = [...perRecipient.values()].filter((n) => n > 1).length;

  const runs: Array<{ runId: string; events: number; start: number }> = [];
  const batches: Array<BatchReport & { run: number; at: number }> = [];
  for await (const run of client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) {
    const history = await client.workflow.getHandle(workflowId, run.runId).fetchHistory();
    const events = history.events ?? [];
    runs.push({ runId: run.runId, events: events.length, start: Number(events[0]?.eventTime?.seconds ?? 0) });
    // Each batch's own report (its pacing figures) is its activity's result in the history.
    for (const e of events) {
      const data = e.activityTaskCompletedEventAttributes?.result?.payloads?.[0]?.data;
      if (!data || data.length === 0) continue;
      const report = JSON.parse(Buffer.from(data).toString('utf8')) as Partial<BatchReport> | null;
      if (report?.timing) batches.push({ ...(report as BatchReport), run: runs.length, at: Number(e.eventTime?.seconds ?? 0) });
    }
  }
  runs.sort((a, b) => a.start - b.start);
  batches.sort((a, b) => a.at - b.at);
  const probeAfter = await probeAcceptRate(fake, prober, service.sid, template.sid, 'after');
  const largest = Math.max(...runs.map((r) => r.events));
  const counts = await prisma.broadcastRecipient.groupBy({ by: ['status'], where: { broadcastId: broadcast.id }, _count: true });

  printBatches(batches);
  const refused = batches.reduce((n, b) => n + (b.timing?.refused ?? 0), 0);
  const perSecond = maxPerSecond(times);
  console.log(`  outcome                 ${outcome.status}, ${outcome.total.toLocaleString('en')} recipients`);
  console.log(`  achieved rate           ${achieved.toFixed(1)} msg/s over ${sendSeconds.toFixed(1)} s (configured ${args.rate}: ${((achieved / args.rate - 1) * 100).toFixed(2)}%)`);
  console.log(
    `  reference (same run)    the stand-in's raw accept rate from this process, unpaced, 64 at once: ${fmtProbe(probeBefore)} before, ${fmtProbe(probeAfter)} after; ` +
      `most sends the stand-in saw in a second: ${perSecond} (limit ${Math.ceil(args.rate * LIMIT_HEADROOM)}, pacing bound ${Math.floor(args.rate * 1.1)})`,
  );
  console.log(`  workflow wall time      ${wallSeconds.toFixed(1)} s (N/R = ${(args.recipients / args.rate).toFixed(1)} s)`);
  console.log(
    `  batches                 ${progress?.batches ?? '?'}; throttled ${progress?.throttles ?? '?'} time(s) (${refused} sends refused with 429); ` +
      `last slow-down ${progress?.lastThrottleCode ?? 'none'}; rate at the end ${progress?.effectiveRate ?? '?'}`,
  );
  console.log(`  runs (continue-as-new)  ${runs.length}; events per run ${runs.map((r) => r.events).join(', ')}; largest ${largest}`);
  console.log(`  worker                  peak RSS ${(peakRss / 1048576).toFixed(0)} MB, ${cpu.toFixed(1)} CPU s (${((cpu / wallSeconds) * 100).toFixed(0)}% of a core)`);
  console.log(
    `  CPU seconds             worker ${cpu.toFixed(1)}, Twilio stand-in (this process) ${selfCpu.toFixed(1)}, postgres ${(othersAfter.postgres - othersBefore.postgres).toFixed(1)}, temporal ${(othersAfter.temporal - othersBefore.temporal).toFixed(1)}: ` +
      `${(((cpu + selfCpu + othersAfter.postgres - othersBefore.postgres + othersAfter.temporal - othersBefore.temporal) / args.recipients) * 1000).toFixed(2)} ms per message`,
  );
  const meanLoad = loads.length > 0 ? loads.reduce((a, b) => a + b, 0) / loads.length : loadavg()[0]!;
  console.log(
    `  machine                 load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at the end on ${cpus().length} cores; ` +
      `1-min load during the run: mean ${meanLoad.toFixed(1)}, max ${Math.max(...loads, 0).toFixed(1)} (${loads.length} samples, every 5 s)`,
  );
  console.log(`  exactly once            ${perRecipient.size.toLocaleString('en')} recipients got a message, ${twice} got more than one; rows ${counts.map((c) => `${c.status} ${c._count}`).join(', ')}`);
  await closeSqlPool(prisma);
  await prisma.$disconnect();
} finally {
  await cleanup();
}

/**
 * The stand-in's raw accept rate right now: `--probe` sends from this process to numbers outside the audience,
 * 64 in flight, unpaced, with the stand-in's limit lifted. Its messages are removed again; the limiter's window
 * for the account has emptied by the time the broadcast sends (the worker takes seconds to start; after: it is over).
 */
async function probeAcceptRate(fake: FakeTwilio, client: ReturnType<typeof createTwilioClient>, messagingServiceSid: string, contentSid: string, label: string): Promise<number | null> {
  if (args.probe === 0) return null;
  const limit = fake.state.config.sendRateLimitPerSecond;
  fake.state.config.sendRateLimitPerSecond = null;
  const before = new Set(fake.state.messages.keys());
  let next = 0;
  const started = performance.now();
  try {
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < args.probe) {
          const i = next++;
          await client.messages.create({ messagingServiceSid, to: `whatsapp:+1777${String(i).padStart(7, '0')}`, contentSid, contentVariables: JSON.stringify({ 1: `P${i}` }) });
        }
      }),
    );
    return args.probe / ((performance.now() - started) / 1000);
  } catch (err) {
    console.log(`  probe ${label} failed: ${(err as Error).message}`);
    return null;
  } finally {
    fake.state.config.sendRateLimitPerSecond = limit;
    for (const sid of [...fake.state.messages.keys()]) if (!before.has(sid) && fake.state.messages.get(sid)?.to.startsWith('whatsapp:+1777')) fake.state.messages.delete(sid);
  }
}

function fmtProbe(rate: number | null): string {
  return rate === null ? 'n/a' : `${rate.toFixed(0)} msg/s`;
}

/** The most sends in any sliding second (the stand-in's creation times, ms). */
function maxPerSecond(sorted: number[]): number {
  let best = 0;
  let from = 0;
  for (let to = 0; to < sorted.length; to++) {
    while (sorted[from]! <= sorted[to]! - 1000) from++;
    best = Math.max(best, to - from + 1);
  }
  return best;
}

/** Each batch's pacing (all of them up to 40, else a summary and the 10 furthest behind). */
function printBatches(all: Array<BatchReport & { run: number }>): void {
  if (all.length === 0) return;
  const row = (b: BatchReport & { run: number }, i: number) => {
    const t = b.timing!;
    return (
      `  ${String(i + 1).padStart(4)} ${String(b.run).padStart(3)} ${b.calls.toLocaleString('en').padStart(7)} ${String(t.setupMs).padStart(7)} ` +
      `${String(t.behindAtStartMs).padStart(7)} ${String(t.maxBehindMs).padStart(7)} ${String(t.behindAtEndMs).padStart(7)} ${(t.sendSpanMs / 1000).toFixed(2).padStart(7)} ` +
      `${(b.calls > 1 ? (b.calls - 1) / (t.sendSpanMs / 1000) : 0).toFixed(0).padStart(6)} ${String(t.tailMs).padStart(6)} ${String(t.maxPerSecond).padStart(5)} ${String(t.refused).padStart(4)} ${b.throttled?.code ?? ''}`
    );
  };
  console.log('  batch run   sends setupms behind@start  max@  end  span s  msg/s tailms max/s  429 throttled');
  if (all.length <= 40) all.forEach((b, i) => console.log(row(b, i)));
  else {
    const worst = all.map((b, i) => ({ b, i })).sort((x, y) => y.b.timing!.maxBehindMs - x.b.timing!.maxBehindMs).slice(0, 10).sort((x, y) => x.i - y.i);
    for (const { b, i } of worst) console.log(row(b, i));
    console.log(`  (${all.length} batches; the 10 furthest behind shown)`);
  }
  const q = (f: (t: NonNullable<BatchReport['timing']>) => number) => {
    const v = all.map((b) => f(b.timing!)).sort((a, b) => a - b);
    return `p50 ${v[Math.floor(v.length / 2)]}, max ${v.at(-1)}`;
  };
  console.log(`  per batch (ms)          set-up ${q((t) => t.setupMs)}; tail ${q((t) => t.tailMs)}; behind at the end ${q((t) => t.behindAtEndMs)}; most sends in a second ${q((t) => t.maxPerSecond)}`);
}

function launch(name: string, script: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', ...script], { env, cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.on('data', (d: Buffer) => process.stderr.write(`[${name}] ${d.toString()}`));
  children.push(child);
  return child;
}

/** CPU seconds of the database and Temporal server processes (ours: started by this bench, children of it). */
function otherCpu(): { postgres: number; temporal: number } {
  const mine = new Set<number>([process.pid]);
  const procs = allProcs();
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of procs) {
      if (mine.has(p.pid) || !mine.has(p.ppid)) continue;
      mine.add(p.pid);
      grew = true;
    }
  }
  const sum = (comm: RegExp) => procs.filter((p) => mine.has(p.pid) && comm.test(p.comm)).reduce((a, p) => a + p.cpu, 0);
  return { postgres: sum(/^postgres/), temporal: sum(/^temporal/) };
}

/** Resident memory of a process, in bytes (/proc/<pid>/status VmRSS). */
function rssOf(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}

async function polls(connection: Connection, queue: string, identity: string): Promise<boolean> {
  const res = await connection.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: queue }, taskQueueType: 1 });
  return (res.pollers ?? []).some((p) => p.identity === identity);
}

async function until(probe: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
