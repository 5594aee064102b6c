// A 100,000-recipient WhatsApp broadcast at a configured 500 messages a second, on the run command's components:
// embedded Postgres, the Temporal dev server, the production worker as its own process (worker/main.ts, polling
// the broadcasts queue), and the Twilio stand-in in this process with a send rate limit 10% above the configured
// rate (so sends bunched instead of spaced would be refused with 429). Status callbacks are off by default (the
// cost measured is the broadcast's own); `--callbacks` turns them on, with the API as its own process receiving
// them (three per message).
//   tsx bench/broadcast.ts [--recipients 100000] [--rate 500] [--callbacks]
// Prints: achieved rate (first to last send at the stand-in) against the configured one, workflow time, each
// run's history event count (continue-as-new keeps them bounded), the worker's peak RSS and CPU, and checks
// that every recipient got exactly one message.
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
import { startFakeTwilio } from '../fakes/twilio/server.js';
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
import { broadcastProgress, broadcastTaskQueue, broadcastWorkflowType, type BroadcastWorkflow } from '../workflows/contracts/broadcast.js';
import { allProcs, procStat } from './proc-stat.js';

const args = z
  .object({
    recipients: z.coerce.number().int().min(1).default(100_000),
    rate: z.coerce.number().min(1).default(500),
    callbacks: z.boolean().default(false),
    headroom: z.coerce.number().min(1).default(1.25),
  })
  .parse(parseArgs({ options: { recipients: { type: 'string' }, rate: { type: 'string' }, callbacks: { type: 'boolean' }, headroom: { type: 'string' } } }).values);

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
  console.log(`broadcast bench: ${args.recipients.toLocaleString('en')} recipients at ${args.rate} msg/s, status callbacks ${args.callbacks ? 'on' : 'off'}`);
  const [db, temporal, bundle] = await Promise.all([startTestDatabase(), startTemporalDevServer({ headless: true, background: true, logFile: path.join(dir, 'temporal.log') }), bundleWorkflows()]);
  stops.push(db.stop, temporal.stop);
  const bundlePath = path.join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  const fake = await startFakeTwilio({
    masterAccountSid: MASTER.sid,
    masterAuthToken: MASTER.token,
    // The stand-in refuses (429 / 20429) above 10% over the configured rate in any second: a burst detector with
    // room for the stalls of a shared 2-core machine (a delayed handful arrives together and counts in one window).
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
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssOf(worker.pid!))), 500);
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
    if (m.direction !== 'outbound-api') continue;
    times.push(m.dateCreated);
    perRecipient.set(m.to, (perRecipient.get(m.to) ?? 0) + 1);
  }
  times.sort((a, b) => a - b);
  const sendSeconds = (times.at(-1)! - times[0]!) / 1000;
  const achieved = (times.length - 1) / sendSeconds;
  const twice = [...perRecipient.values()].filter((n) => n > 1).length;

  const runs: Array<{ runId: string; events: number }> = [];
  for await (const run of client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) {
    const history = await client.workflow.getHandle(workflowId, run.runId).fetchHistory();
    runs.push({ runId: run.runId, events: history.events?.length ?? 0 });

  }
  const largest = Math.max(...runs.map((r) => r.events));
  const counts = await prisma.broadcastRecipient.groupBy({ by: ['status'], where: { broadcastId: broadcast.id }, _count: true });

  console.log(`  outcome                 ${outcome.status}, ${outcome.total.toLocaleString('en')} recipients`);
  console.log(`  achieved rate           ${achieved.toFixed(1)} msg/s over ${sendSeconds.toFixed(1)} s (configured ${args.rate}: ${((achieved / args.rate - 1) * 100).toFixed(2)}%)`);
  console.log(`  workflow wall time      ${wallSeconds.toFixed(1)} s (N/R = ${(args.recipients / args.rate).toFixed(1)} s)`);
  console.log(`  batches                 ${progress?.batches ?? '?'}; last slow-down ${progress?.lastThrottleCode ?? 'none'}; rate at the end ${progress?.effectiveRate ?? '?'}`);
  console.log(`  runs (continue-as-new)  ${runs.length}; events per run ${runs.map((r) => r.events).join(', ')}; largest ${largest}`);
  console.log(`  worker                  peak RSS ${(peakRss / 1048576).toFixed(0)} MB, ${cpu.toFixed(1)} CPU s (${((cpu / wallSeconds) * 100).toFixed(0)}% of a core)`);
  console.log(
    `  CPU seconds             worker ${cpu.toFixed(1)}, Twilio stand-in (this process) ${selfCpu.toFixed(1)}, postgres ${(othersAfter.postgres - othersBefore.postgres).toFixed(1)}, temporal ${(othersAfter.temporal - othersBefore.temporal).toFixed(1)}: ` +
      `${(((cpu + selfCpu + othersAfter.postgres - othersBefore.postgres + othersAfter.temporal - othersBefore.temporal) / args.recipients) * 1000).toFixed(2)} ms per message`,
  );
  console.log(`  machine                 load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores`);
  console.log(`  exactly once            ${perRecipient.size.toLocaleString('en')} recipients got a message, ${twice} got more than one; rows ${counts.map((c) => `${c.status} ${c._count}`).join(', ')}`);
  await closeSqlPool(prisma);
  await prisma.$disconnect();
} finally {
  await cleanup();
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
