// Temporal's floor for one reply, with no database, no model and no HTTP: a fresh dev server (as the run
// command starts it) and one worker; N turns from N new customers through signal-with-start.
//   tsx bench/temporal-floor/run.ts [--turns 1000] [--concurrency 64] [--shape child|inline] [--customers N]
// --customers N spreads the turns over N conversations (default: a new customer per turn, the worst case).
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, Worker, bundleWorkflowCode, makeTelemetryFilterString } from '@temporalio/worker';
import { z } from 'zod';
import { startTemporalDevServer } from '../../scripts/devstack/temporal-dev-server.js';
import { allProcs, procStat } from '../proc-stat.js';

const args = z
  .object({
    turns: z.coerce.number().int().min(1).default(1000),
    concurrency: z.coerce.number().int().min(1).default(64),
    shape: z.enum(['child', 'inline']).default('child'),
    customers: z.coerce.number().int().min(1).optional(),
  })
  .parse(parseArgs({ options: { turns: { type: 'string' }, concurrency: { type: 'string' }, shape: { type: 'string' }, customers: { type: 'string' } } }).values);

let sent = 0;
const completedTurns = async () => sent;
Runtime.install({ telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } } });
const server = await startTemporalDevServer({ headless: true });
try {
  const bundle = await bundleWorkflowCode({ workflowsPath: fileURLToPath(new URL('./workflows.ts', import.meta.url)), logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } });
  const worker = await Worker.create({
    connection: await NativeConnection.connect({ address: server.address }),
    taskQueue: 'floor',
    workflowBundle: bundle,
    activities: { draft: async (sid: string) => sid, send: async () => void sent++ },
  });
  const running = worker.run();
  const client = new Client({ connection: await Connection.connect({ address: server.address }) });
  const serverPid = serverPidOf(process.pid);

  const turnOnce = async (i: number) => {
    const conversation = args.customers && i >= 0 ? i % args.customers : i;
    await client.workflow.signalWithStart('floorConversation', { workflowId: `floor-conv:${conversation}`, taskQueue: 'floor', args: [args.shape], signal: 'turn', signalArgs: [`t${i}`] });
  };
  // Warm-up
  await Promise.all(Array.from({ length: 50 }, (_, i) => turnOnce(-1 - i)));
  await waitFor(50);

  const cpu0 = { self: process.cpuUsage(), server: cpuOf(serverPid) };
  const t0 = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: args.concurrency }, async () => {
    while (next < args.turns) await turnOnce(next++);
  }));
  const acked = performance.now();
  await waitFor(50 + args.turns);
  const done = performance.now();
  const self = process.cpuUsage(cpu0.self);
  const serverCpu = cpuOf(serverPid) - cpu0.server;
  const seconds = (done - t0) / 1000;
  console.log(`${args.shape}: ${args.turns} turns (${args.customers ? `${args.customers} customers` : 'new customer each'}): signal-with-start ${(args.turns / ((acked - t0) / 1000)).toFixed(0)}/s, replies completed ${(args.turns / seconds).toFixed(0)}/s`);
  console.log(`CPU per reply: temporal dev server ${((serverCpu * 1000) / args.turns).toFixed(1)} ms, worker+client ${(((self.user + self.system) / 1000) / args.turns).toFixed(1)} ms`);
  worker.shutdown();
  await running;
} finally {
  await server.stop();
}

async function waitFor(completed: number) {
  for (;;) {
    if ((await completedTurns()) >= completed) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

function serverPidOf(parent: number): number {
  const server = allProcs().find((p) => p.ppid === parent && p.comm === 'temporal');
  if (!server) throw new Error('temporal dev server process not found');
  return server.pid;
}

function cpuOf(pid: number): number {
  const stat = procStat(pid);
  if (!stat) throw new Error(`process ${pid} is gone`);
  return stat.cpu;
}
