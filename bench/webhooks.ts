// Inbound webhook → AI reply pipeline under load, on the run command's components: embedded Postgres,
// Temporal dev server, the API and the worker as their own processes (`api/main.ts`, `worker/main.ts`),
// the Twilio and OpenAI stand-ins in this process, quiet period 0. By default every request is a new customer
// (a new conversation workflow: the expensive case); `--customers N` spreads them over N returning customers.
// Every request carries a valid X-Twilio-Signature. `--reply child|inline` sets REPLY_WORKFLOW.
// After the three phases, `--returning N` customers (existing conversations) write `--rounds` times, one
// message each per round; then the API and worker stop and the empty reply shape (bench/temporal-floor) runs
// on the same Temporal server, new and returning customers, for the same-run floor and ratio.
//   tsx bench/webhooks.ts [--seconds 10] [--light 20] [--rate 200] [--concurrency 32] [--tenants 4] [--customers N] [--reply child|inline]
//                         [--returning 200] [--rounds 4]
// BENCH_PG_STATEMENTS=1 lists Postgres's statements per reply (calls, execution ms) for phases 2 and 4.
// BENCH_CPU_PROF=<dir> (e.g. bench/results/profiles, git-ignored) runs the API and the worker with --cpu-prof:
// each writes a .cpuprofile there when it stops (bench/profile-summary.ts sums one up by function).
//   tsx bench/webhooks.ts --noisy [--loud-rate 200] [--loud-messages 2000] [--quiet-tenants 4] [--quiet-rate 2] [--quiet-seconds 30]
// Prints: ack p50/p99 at a fixed rate, max sustained acks/s (closed loop), inbound→send p50/p99, replies/s,
// and CPU seconds per process per phase (where the time goes).
import { spawn, type ChildProcess } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { startFakeOpenAI } from '../fakes/openai/server.js';
import { FakeTwilioControl } from '../fakes/twilio/control-client.js';
import { startFakeTwilio } from '../fakes/twilio/server.js';
import { createSecretBox, createTenantCredentials, formatKey, parseKeyring } from '../lib/crypto/index.js';
import { createPrismaClient } from '../lib/db/client.js';
import { startTemporalDevServer } from '../scripts/devstack/temporal-dev-server.js';
import { freePort, waitForPort } from '../scripts/devstack/ports.js';
import { allProcs } from './proc-stat.js';
import { PG_STATEMENTS_SETTINGS, pgStatementsWanted, reportPgStatements, resetPgStatements } from './pg-statements.js';
import { asBackground } from '../scripts/devstack/priority.js';
import { createTwilioClient } from '../lib/twilio/client.js';
import { startTestDatabase } from '../test/support/database.js';
import { bundleWorkflows } from '../worker/bundle.js';
import type { FloorResult } from './temporal-floor/run.js';
import type { LoadJob, LoadResult } from './webhook-load.js';

const raw = parseArgs({
  options: {
    seconds: { type: 'string' }, rate: { type: 'string' }, light: { type: 'string' }, concurrency: { type: 'string' }, tenants: { type: 'string' },
    customers: { type: 'string' }, reply: { type: 'string' }, noisy: { type: 'boolean' }, 'loud-rate': { type: 'string' },
    'loud-messages': { type: 'string' }, 'quiet-tenants': { type: 'string' }, 'quiet-rate': { type: 'string' }, 'quiet-seconds': { type: 'string' },
    returning: { type: 'string' }, rounds: { type: 'string' },
  },
}).values;
const args = z
  .object({
    seconds: z.coerce.number().int().min(1).default(10),
    rate: z.coerce.number().int().min(1).default(200),
    light: z.coerce.number().int().min(1).default(20),
    concurrency: z.coerce.number().int().min(1).default(32),
    tenants: z.coerce.number().int().min(1).default(4),
    customers: z.coerce.number().int().min(1).optional(),
    /** Absent: the product default (REPLY_WORKFLOW in lib/config/env.ts). */
    reply: z.enum(['child', 'inline']).optional(),
    /** Noisy neighbour instead of the three phases: one loud tenant's burst beside quiet ones, fairness on, then off. */
    noisy: z.boolean().default(false),
    loudRate: z.coerce.number().int().min(1).default(200),
    loudMessages: z.coerce.number().int().min(1).default(2000),
    quietTenants: z.coerce.number().int().min(1).default(4),
    quietRate: z.coerce.number().positive().default(2),
    quietSeconds: z.coerce.number().int().min(1).default(30),
    /** Returning customers of the returning phase (rounded up to a multiple of --tenants: one shop each). */
    returning: z.coerce.number().int().min(1).default(200),
    rounds: z.coerce.number().int().min(1).default(4),
  })
  .parse({
    ...raw,
    loudRate: raw['loud-rate'], loudMessages: raw['loud-messages'], quietTenants: raw['quiet-tenants'], quietRate: raw['quiet-rate'], quietSeconds: raw['quiet-seconds'],
  });

const MASTER = { sid: `AC${randomBytes(16).toString('hex')}`, token: randomBytes(16).toString('hex') };
const dir = await mkdtemp(path.join(tmpdir(), 'wara-bench-webhooks-'));
const children: ChildProcess[] = [];
const stops: Array<() => Promise<void>> = [];
const cleanup = async () => {
  for (const c of children) c.kill('SIGTERM');
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
};
process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));

try {
  console.log('starting Postgres, Temporal, stand-ins, API and worker…');
  const [db, temporal, bundle] = await Promise.all([startTestDatabase(pgStatementsWanted() ? { settings: PG_STATEMENTS_SETTINGS } : {}), startTemporalDevServer({ headless: true, background: true, logFile: path.join(dir, 'temporal.log') }), bundleWorkflows()]);
  stops.push(db.stop, temporal.stop);
  const bundlePath = path.join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  const fake = await startFakeTwilio({ masterAccountSid: MASTER.sid, masterAuthToken: MASTER.token, config: { messageStatusDelayMs: 200 } });
  const openai = await startFakeOpenAI();
  stops.push(fake.close, openai.close);
  const apiPort = await freePort();
  const publicUrl = `http://127.0.0.1:${apiPort}`;
  const keys = formatKey('bench', randomBytes(32));
  const env = {
    ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'warn', DATABASE_URL: db.url, TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: 'bench-webhooks', API_PORT: String(apiPort), SERVER_PUBLIC_URL: publicUrl, WORKFLOW_BUNDLE_PATH: bundlePath,
    TWILIO_ACCOUNT_SID: MASTER.sid, TWILIO_AUTH_TOKEN: MASTER.token, TWILIO_API_BASE_URL: fake.url, OPENAI_API_KEY: 'bench', OPENAI_BASE_URL: openai.url,
    SECRETS_ENCRYPTION_KEYS: keys, REPLY_QUIET_PERIOD_MS: '0', WEBHOOK_RATE_LIMIT_PER_MINUTE: '10000000',
    ...(args.reply ? { REPLY_WORKFLOW: args.reply } : {}),
    ...(process.env.BENCH_CPU_PROF ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --cpu-prof --cpu-prof-dir=${path.resolve(process.env.BENCH_CPU_PROF)}`.trim() } : {}),
  };
  let api = launch('api', ['api/main.ts'], env);
  const worker = launch('worker', ['worker/main.ts'], env, { background: true });
  const stop = async (child: ChildProcess) => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  await waitForPort(apiPort);

  const prisma = createPrismaClient(db.url, { max: 4 });
  stops.push(() => prisma.$disconnect());
  const shops: Array<Awaited<ReturnType<typeof connectShop>>> = [];
  // The trial's reply allowance lifted, as the webhook rate limit is: the bench measures the pipeline, and a reply
  // refused at the limit is cheaper than a sent one.
  await prisma.plan.update({ where: { code: 'trial' }, data: { monthlyReplyLimit: 1_000_000_000 } });
  const tenants = args.noisy ? 1 + args.quietTenants : args.tenants;
  for (let i = 0; i < tenants; i++) shops.push(await connectShop(prisma, fake.url, publicUrl, keys, i));
  const fakeOutbound = () => [...fake.state.messages.values()].filter((m) => m.direction === 'outbound-api');

  /** Customer address → epoch ms of each webhook not yet answered, oldest first. */
  const sentAt = new Map<string, number[]>();
  /** Customer address → the shop it wrote to (customers are new per message unless --customers). */
  const shopOf = new Map<string, number>();
  let seq = 0;
  /** Runs one load phase in the generator thread (bench/webhook-load.ts) and records what it sent. */
  async function load(phase: LoadJob['phase'], customers = args.customers) {
    const job: LoadJob = { publicUrl, shops, customers, firstSeq: seq, phase };
    const result = await new Promise<LoadResult>((resolve, reject) => {
      const thread = new Worker(new URL('./webhook-load.ts', import.meta.url), { workerData: job });
      thread.once('message', resolve);
      thread.once('error', reject);
    });
    seq = result.nextSeq;
    for (const [address, at, shop] of result.sent) {
      sentAt.set(address, [...(sentAt.get(address) ?? []), at]);
      shopOf.set(address, shop);
    }
    return result;
  }
  const openLoop = (rate: number, seconds: number) => load({ kind: 'open', rate, seconds });
  const closedLoop = (concurrency: number, seconds: number) => load({ kind: 'closed', concurrency, seconds });

  /**
   * Waits until every webhook so far has its reply at the stand-in (or replies stop coming for 30 s: a
   * returning customer's messages that arrive during a reply are answered together); returns inbound→send
   * latencies.
   */
  async function repliesSince(fromIndex: number, expected: number, startedAt: number) {
    const deadline = Date.now() + 300_000;
    let seen = -1;
    let stalledSince = Date.now();
    while (fakeOutbound().length - fromIndex < expected && Date.now() < deadline && Date.now() - stalledSince < 30_000) {
      const now = fakeOutbound().length;
      if (now !== seen) [seen, stalledSince] = [now, Date.now()];
      await new Promise((r) => setTimeout(r, 100));
    }
    const replies = fakeOutbound().slice(fromIndex);
    const each = replies.map((m) => ({ shop: shopOf.get(m.to) ?? -1, latency: m.dateCreated - (sentAt.get(m.to)?.shift() ?? m.dateCreated) }));
    const last = Math.max(...replies.map((m) => m.dateCreated));
    return { count: replies.length, latencies: each.map((r) => r.latency), each, last, perSecond: replies.length / ((last - startedAt) / 1000) };
  }

  const cpu = cpuMeter({ api: api.pid!, worker: worker.pid! });
  const phase = async <T>(name: string, run: () => Promise<T>) => {
    cpu.reset();
    const result = await run();
    console.log(`  cpu seconds during ${name}: ${cpu.report()}`);
    return result;
  };
  /** CPU ms per reply of each process since the last reset (the phase's own work, not its share of wall time). */
  const cpuPerReply = (replies: number) =>
    `  cpu ms per reply: ${Object.entries(cpu.totals()).filter(([, v]) => v > 0.05).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${((v * 1000) / replies).toFixed(1)}`).join(', ')}`;
  /**
   * The product's own CPU ms per reply since the last reset: every process but this one (the load generator and
   * the Twilio / OpenAI stand-ins, which production does not run on its cores) and esbuild.
   */
  const productMsPerReply = (replies: number) =>
    (Object.entries(cpu.totals()).filter(([k]) => k !== 'bench+stand-ins' && k !== 'esbuild').reduce((sum, [, v]) => sum + v, 0) * 1000) / replies;

  await openLoop(20, 2); // warm-up: JIT, pools, first workflow tasks
  await repliesSince(0, 40, Date.now());

  if (args.noisy) {
    // The same stack twice: the API started with fairness keys on, then restarted with them off.
    for (const fairness of [true, false]) {
      if (!fairness) {
        await stop(api);
        api = launch('api', ['api/main.ts'], { ...env, TEMPORAL_FAIRNESS: 'false' });
        cpu.track({ api: api.pid! });
        await waitForPort(apiPort);
      }
      await noisyNeighbour(fairness);
    }
  }
  const fullStack = args.noisy ? null : { new: await threePhases(), returning: await returningCustomers() };
  const failedRows = await prisma.message.count({ where: { direction: 'outbound', status: { in: ['failed', 'not_sent'] } } });
  console.log(`\noutbound rows failed/not sent: ${failedRows}; fallback answers: ${await prisma.message.count({ where: { fallback: true } })}`);
  if (fullStack) await floorPhase(fullStack);

  /**
   * Returning customers (their conversation runs exist): a round sends one message from each of `returning`
   * customers at --rate and waits for their replies, so no customer has two messages waiting (they would be
   * answered as one turn, and replies/s would count turns merged). A first round, not counted, opens them.
   */
  async function returningCustomers() {
    const customers = Math.ceil(args.returning / args.tenants) * args.tenants;
    const round = async () => {
      const base = fakeOutbound().length;
      const t0 = Date.now();
      const acks = await load({ kind: 'open', rate: args.rate, seconds: customers / args.rate }, customers);
      const replies = await repliesSince(base, acks.latencies.length, t0);
      return { acks, replies };
    };
    console.log(`\n4) returning customers: ${customers} customers, ${args.rounds} rounds of one message each at ${args.rate}/s, each round waiting for its replies`);
    await round();
    const t0 = Date.now();
    if (pgStatementsWanted()) await resetPgStatements(db.url);
    const rounds = await phase('returning customers', async () => {
      const all = [];
      for (let r = 0; r < args.rounds; r++) all.push(await round());
      return all;
    });
    const count = rounds.reduce((n, r) => n + r.replies.count, 0);
    const perSecond = count / ((rounds.at(-1)!.replies.last - t0) / 1000);
    const latencies = rounds.flatMap((r) => r.replies.latencies);
    console.log(cpuPerReply(count));
    const productMs = productMsPerReply(count);
    if (pgStatementsWanted()) console.log(await reportPgStatements(db.url, count));
    console.log(`  inbound→send  p50 ${pct(latencies, 50)} ms  p99 ${pct(latencies, 99)} ms`);
    console.log(`  replies       ${count} of ${customers * args.rounds} → ${perSecond.toFixed(0)} replies/s`);
    return { perSecond, customers, productMs };
  }

  /**
   * The floor in the same run: the API and worker stopped, the empty reply shape (bench/temporal-floor, the
   * product's shape: recorded draft, local send) on the same Temporal server, at the worker's priority.
   */
  async function floorPhase(fullStack: { new: { perSecond: number; turns: number; productMs: number }; returning: { perSecond: number; customers: number; productMs: number } }) {
    await Promise.all([stop(api), stop(worker)]);
    const shape = args.reply ?? 'inline';
    console.log(`\n5) Temporal floor on the same server (API and worker stopped): reply ${shape}, recorded draft, local send; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    const floorRun = async (name: string, options: string[]) => {
      cpu.reset();
      const result = await runFloorProcess(temporal.address, ['--shape', shape, '--draft', 'recorded', ...options]);
      const temporalSeconds = cpu.totals().temporal ?? 0;
      const temporalMs = (temporalSeconds * 1000) / result.turns;
      console.log(`  ${name.padEnd(18)} ${result.repliesPerSecond.toFixed(0)} replies/s; cpu ms per reply: temporal ${temporalMs.toFixed(1)}, worker+client ${result.workerMsPerReply.toFixed(1)}`);
      return { perSecond: result.repliesPerSecond, ms: temporalMs + result.workerMsPerReply };
    };
    const floor = {
      new: await floorRun('new customers', ['--turns', String(fullStack.new.turns)]),
      returning: await floorRun(`${fullStack.returning.customers} returning`, ['--customers', String(fullStack.returning.customers), '--rounds', String(args.rounds)]),
    };
    // Replies/s share the 2 cores with the stand-ins; the CPU ms per reply (product processes vs the floor's
    // Temporal + worker) do not: their ratio is what replies/s would be if nothing else ran on the cores.
    console.log('\n  customers        full stack   floor      ratio   cpu ms per reply: product  floor   ratio');
    for (const who of ['new', 'returning'] as const) {
      const [product, empty] = [fullStack[who], floor[who]];
      console.log(`  ${who.padEnd(16)} ${product.perSecond.toFixed(1).padStart(6)}/s   ${empty.perSecond.toFixed(1).padStart(6)}/s   ${(product.perSecond / empty.perSecond).toFixed(2)}×` +
        `                     ${product.productMs.toFixed(1).padStart(5)}   ${empty.ms.toFixed(1).padStart(5)}   ${(empty.ms / product.productMs).toFixed(2)}×`);
    }
  }

  async function noisyNeighbour(fairness: boolean) {
    const loudSeconds = args.loudMessages / args.loudRate;
    console.log(`\nnoisy neighbour, fairness keys ${fairness ? 'ON' : 'OFF'}: tenant A ${args.loudMessages} messages at ${args.loudRate}/s (${loudSeconds} s); ` +
      `${args.quietTenants} quiet tenants at ${args.quietRate}/s each for ${args.quietSeconds} s; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    const base = fakeOutbound().length;
    const t0 = Date.now();
    const streams = [
      { shop: 0, rate: args.loudRate, seconds: loudSeconds },
      ...Array.from({ length: args.quietTenants }, (_, i) => ({ shop: i + 1, rate: args.quietRate, seconds: args.quietSeconds })),
    ];
    const run = await phase(`noisy neighbour (fairness ${fairness ? 'on' : 'off'})`, async () => {
      const acks = await load({ kind: 'mixed', streams });
      return { acks, replies: await repliesSince(base, acks.latencies.length, t0) };
    });
    report('ack', run.acks);
    const loud = run.replies.each.filter((r) => r.shop === 0).map((r) => r.latency);
    const quiet = run.replies.each.filter((r) => r.shop > 0).map((r) => r.latency);
    console.log(`  tenant A        inbound→send p50 ${pct(loud, 50)} ms  p99 ${pct(loud, 99)} ms  (${loud.length} replies)`);
    console.log(`  quiet tenants   inbound→send p50 ${pct(quiet, 50)} ms  p99 ${pct(quiet, 99)} ms  max ${Math.max(...quiet)} ms  (${quiet.length} replies)`);
    console.log(`  replies         ${run.replies.count} in ${((Date.now() - t0) / 1000).toFixed(1)} s → ${run.replies.perSecond.toFixed(0)} replies/s`);
  }

  async function threePhases() {
  console.log(`reply workflow: ${args.reply ?? 'default'}; customers: ${args.customers ? `${args.customers} returning` : 'a new one per message'}`);
  console.log(`\n1) light load, ${args.light} webhooks/s for ${args.seconds} s`);
  let base = fakeOutbound().length;
  let t0 = Date.now();
  const light = await phase('light load', async () => {
    const acks = await openLoop(args.light, args.seconds);
    return { acks, replies: await repliesSince(base, acks.latencies.length, t0) };
  });
  report('ack', light.acks);
  console.log(`  inbound→send  p50 ${pct(light.replies.latencies, 50)} ms  p99 ${pct(light.replies.latencies, 99)} ms  (${light.replies.count} replies)`);

  console.log(`\n2) ${args.rate} webhooks/s for ${args.seconds} s (open loop)`);
  if (pgStatementsWanted()) await resetPgStatements(db.url);
  base = fakeOutbound().length;
  t0 = Date.now();
  const rated = await phase('rated load', async () => {
    const acks = await openLoop(args.rate, args.seconds);
    return { acks, replies: await repliesSince(base, acks.latencies.length, t0) };
  });
  report('ack', rated.acks);
  console.log(cpuPerReply(rated.replies.count));
  const ratedProductMs = productMsPerReply(rated.replies.count);
  if (pgStatementsWanted()) console.log(await reportPgStatements(db.url, rated.replies.count));
  console.log(`  inbound→send  p50 ${pct(rated.replies.latencies, 50)} ms  p99 ${pct(rated.replies.latencies, 99)} ms`);
  console.log(`  replies       ${rated.replies.count} in ${((Date.now() - t0) / 1000).toFixed(1)} s → ${rated.replies.perSecond.toFixed(0)} replies/s`);

  console.log(`\n3) max sustained: ${args.concurrency} concurrent senders for ${args.seconds} s (closed loop)`);
  base = fakeOutbound().length;
  t0 = Date.now();
  const flood = await phase('flood', async () => {
    const acks = await closedLoop(args.concurrency, args.seconds);
    return { acks, replies: await repliesSince(base, acks.latencies.length, t0) };
  });
  report('ack', flood.acks);
  console.log(`  replies       ${flood.replies.count}, ${flood.replies.perSecond.toFixed(0)} replies/s; inbound→send p50 ${pct(flood.replies.latencies, 50)} ms p99 ${pct(flood.replies.latencies, 99)} ms`);
  // The ratio's full-stack figure: the open loop at --rate, a burst beyond what the stack answers, drained.
  return { perSecond: rated.replies.perSecond, turns: rated.replies.count, productMs: ratedProductMs };
  }
} finally {
  await cleanup();
}

/** As `npm run dev` starts them: the worker (and Temporal) at background priority, see scripts/devstack/priority.ts. */
function launch(name: string, script: string[], env: NodeJS.ProcessEnv, options: { background?: boolean; stdout?: boolean } = {}): ChildProcess {
  const tsx = path.join('node_modules', '.bin', 'tsx');
  const { command, args: argv } = options.background ? asBackground(tsx, script) : { command: tsx, args: script };
  const child = spawn(command, argv, { env, stdio: ['ignore', options.stdout ? 'pipe' : 'ignore', 'pipe'] });
  child.stderr?.on('data', (d: Buffer) => process.stderr.write(`[${name}] ${d.toString()}`));
  children.push(child);
  return child;
}

/** bench/temporal-floor/run.ts against `address`, at the worker's priority; its JSON result. */
async function runFloorProcess(address: string, options: string[]): Promise<FloorResult> {
  const child = launch('floor', ['bench/temporal-floor/run.ts', '--address', address, '--json', ...options], process.env, { background: true, stdout: true });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`the floor run exited with ${String(code)}`);
  return JSON.parse(out.trim().split('\n').at(-1)!) as FloorResult;
}

function pct(values: number[], p: number): string {
  if (values.length === 0) return '-';
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!.toFixed(1);
}

function report(label: string, r: { latencies: number[]; errors: number; seconds: number }) {
  const rate = (r.latencies.length / r.seconds).toFixed(0);
  console.log(`  ${label.padEnd(13)} p50 ${pct(r.latencies, 50)} ms  p99 ${pct(r.latencies, 99)} ms  ${r.latencies.length} ok (${rate}/s), ${r.errors} errors`);
}

/** CPU time of our process trees from /proc (Linux): api, worker, and the rest grouped by command name. */
function cpuMeter(named: Record<string, number>) {
  const read = () => {
    const procs = allProcs();
    const byPid = new Map(procs.map((p) => [p.pid, p]));
    const groupOf = (pid: number): string | null => {
      for (let p = byPid.get(pid); p; p = byPid.get(p.ppid)) {
        const name = Object.entries(named).find(([, root]) => root === p!.pid)?.[0];
        if (name) return name;
        if (p.ppid === process.pid) return p.comm;
        if (p.pid === process.pid) return 'bench+stand-ins';
      }
      return null;
    };
    const totals: Record<string, number> = {};
    for (const p of procs) {
      const g = groupOf(p.pid);
      // With its exited (and reaped) children: Postgres backends that close during a phase take their CPU with
      // them otherwise (their postmaster keeps it). Not this process's: the floor run's CPU is its own.
      if (g) totals[g] = (totals[g] ?? 0) + p.cpu + (p.pid === process.pid ? 0 : p.exitedChildrenCpu);
    }
    return totals;
  };
  let start = read();
  return {
    /** A process restarted under the same name (the API between noisy-neighbour runs). */
    track: (more: Record<string, number>) => void Object.assign(named, more),
    reset: () => void (start = read()),
    /** CPU seconds per group since the last reset. */
    totals: (): Record<string, number> => Object.fromEntries(Object.entries(read()).map(([k, v]) => [k, v - (start[k] ?? 0)])),
    report: () => Object.entries(read()).map(([k, v]) => [k, v - (start[k] ?? 0)] as const).filter(([, v]) => v > 0.05)
      .sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', '),
  };
}

/** A merchant as onboarding leaves it: subaccount, API key, ONLINE sender, Messaging Service, rows. */
async function connectShop(prisma: ReturnType<typeof createPrismaClient>, fakeUrl: string, publicUrl: string, keys: string, i: number) {
  const master = createTwilioClient({ accountSid: MASTER.sid, authToken: MASTER.token, baseUrl: fakeUrl });
  // In its trial (the trial's reply allowance is lifted before the shops are made).
  const tenant = await prisma.tenant.create({
    data: { name: `Bench shop ${i}`, slug: `bench-${i}-${randomBytes(4).toString('hex')}`, trialEndsAt: new Date(Date.now() + 14 * 86_400_000) },
  });
  const sub = await master.api.v2010.accounts.create({ friendlyName: `wara:${tenant.id}` });
  const key = await master.api.v2010.accounts(sub.sid).newKeys.create({ friendlyName: 'wara' });
  const phone = `+1444555${String(1000 + i)}`;
  const sender = await new FakeTwilioControl(fakeUrl).createSender(sub.sid, { phoneNumber: phone, timeline: [{ status: 'ONLINE', afterMs: 0 }] });
  const asSub = createTwilioClient({ accountSid: sub.sid, apiKey: key.sid, apiSecret: key.secret!, baseUrl: fakeUrl });
  const service = await asSub.messaging.v1.services.create({ friendlyName: 'wara', inboundRequestUrl: `${publicUrl}/webhooks/twilio/whatsapp`, statusCallback: `${publicUrl}/webhooks/twilio/status` });
  await asSub.messaging.v1.services(service.sid).channelSenders.create({ sid: sender.sid });
  const account = await prisma.integrationAccount.create({
    data: { tenantId: tenant.id, status: 'connected', subaccountSid: sub.sid, messagingServiceSid: service.sid, senderSid: sender.sid },
  });
  const credentials = createTenantCredentials(prisma, createSecretBox(parseKeyring(keys)));
  await credentials.storeAuthToken({ tenantId: tenant.id, accountId: account.id }, sub.authToken);
  await credentials.storeApiKey({ tenantId: tenant.id, accountId: account.id }, { sid: key.sid, secret: key.secret! });
  await prisma.integrationIdentifier.createMany({
    data: [
      { tenantId: tenant.id, accountId: account.id, kind: 'account_sid', value: sub.sid },
      { tenantId: tenant.id, accountId: account.id, kind: 'messaging_service_sid', value: service.sid },
      { tenantId: tenant.id, accountId: account.id, kind: 'whatsapp_number', value: phone },
    ],
  });
  await prisma.product.create({ data: { tenantId: tenant.id, sku: 'TS-001', name: 'Blue Cotton T-Shirt', price: '19.90', currency: 'USD', stock: 12 } });
  return { subaccountSid: sub.sid, serviceSid: service.sid, phone, authToken: sub.authToken };
}
