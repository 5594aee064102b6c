// Temporal's floor for one reply, with no database, no model and no HTTP: a fresh dev server (as the run
// command starts it) and one worker; N turns from N new customers through signal-with-start.
//   tsx bench/temporal-floor/run.ts [--turns 1000] [--concurrency 64] [--shape child|inline] [--draft local|recorded]
//                                   [--customers N [--rounds R]] [--address host:port --json]
// --customers N spreads the turns over N conversations (default: a new customer per turn, the worst case);
// with --rounds R, a first round opens the N conversations, then R rounds each send one turn per customer
// and wait for its replies (no customer has two turns waiting: how bench/webhooks.ts measures returning
// customers). --address uses a running server instead of starting one; --json prints the result as JSON
// (bench/webhooks.ts runs it so, on its own server, after the full stack).
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, bundleWorkflowCode, makeTelemetryFilterString } from '@temporalio/worker';
import { z } from 'zod';
import { startTemporalDevServer } from '../../scripts/devstack/temporal-dev-server.js';
import { allProcs, procStat } from '../proc-stat.js';

export const floorOptions = z.object({
  turns: z.coerce.number().int().min(1).default(1000),
  concurrency: z.coerce.number().int().min(1).default(64),
  shape: z.enum(['child', 'inline']).default('child'),
  draft: z.enum(['local', 'recorded']).default('local'),
  customers: z.coerce.number().int().min(1).optional(),
  rounds: z.coerce.number().int().min(1).optional(),
});
export type FloorOptions = z.infer<typeof floorOptions>;

export interface FloorResult {
  turns: number;
  seconds: number;
  repliesPerSecond: number;
  /** CPU ms per reply of this process (worker + client) and, when its pid was given, of the server. */
  workerMsPerReply: number;
  serverMsPerReply: number | null;
}

/** Runs the empty reply shape against the server at `address` (`serverPid`: its process, for its CPU). */
export async function runFloor(address: string, options: FloorOptions, serverPid?: number): Promise<FloorResult> {
  let sent = 0;
  const bundle = await bundleWorkflowCode({ workflowsPath: fileURLToPath(new URL('./workflows.ts', import.meta.url)), logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } });
  const taskQueue = `floor-${randomBytes(4).toString('hex')}`;
  const worker = await Worker.create({
    connection: await NativeConnection.connect({ address }),
    taskQueue,
    workflowBundle: bundle,
    activities: { draft: async (sid: string) => sid, send: async () => void sent++ },
  });
  const running = worker.run();
  const client = new Client({ connection: await Connection.connect({ address }) });
  const turnOnce = (conversation: string, sid: string) =>
    client.workflow.signalWithStart('floorConversation', { workflowId: `${taskQueue}-conv:${conversation}`, taskQueue, args: [options.shape, options.draft], signal: 'turn', signalArgs: [sid] });
  /** `ids` as turns, `concurrency` at a time; resolves when all of them (and everything before) are replied. */
  const turns = async (ids: string[]) => {
    const expected = sent + ids.length;
    let next = 0;
    await Promise.all(Array.from({ length: Math.min(options.concurrency, ids.length) }, async () => {
      while (next < ids.length) {
        const i = next++;
        await turnOnce(ids[i]!, `t${sent}-${i}`);
      }
    }));
    while (sent < expected) await new Promise((r) => setTimeout(r, 50));
  };
  const range = (n: number, name: (i: number) => string) => Array.from({ length: n }, (_, i) => name(i));

  try {
    await turns(range(50, (i) => `warm-${i}`)); // JIT, connections, first workflow tasks
    const customers = options.customers;
    if (customers && options.rounds) await turns(range(customers, (i) => `c${i}`)); // opens the conversations
    const cpu0 = { self: process.cpuUsage(), server: serverPid ? procStat(serverPid)?.cpu ?? 0 : 0 };
    const t0 = performance.now();
    let total: number;
    if (customers && options.rounds) {
      for (let r = 0; r < options.rounds; r++) await turns(range(customers, (i) => `c${i}`));
      total = customers * options.rounds;
    } else {
      await turns(range(options.turns, (i) => (customers ? `c${i % customers}` : `n${i}`)));
      total = options.turns;
    }
    const seconds = (performance.now() - t0) / 1000;
    const self = process.cpuUsage(cpu0.self);
    const serverCpu = serverPid ? (procStat(serverPid)?.cpu ?? 0) - cpu0.server : null;
    return {
      turns: total,
      seconds,
      repliesPerSecond: total / seconds,
      workerMsPerReply: (self.user + self.system) / 1000 / total,
      serverMsPerReply: serverCpu === null ? null : (serverCpu * 1000) / total,
    };
  } finally {
    worker.shutdown();
    await running;
    await client.connection.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const raw = parseArgs({
    options: {
      turns: { type: 'string' }, concurrency: { type: 'string' }, shape: { type: 'string' }, draft: { type: 'string' }, customers: { type: 'string' },
      rounds: { type: 'string' }, address: { type: 'string' }, json: { type: 'boolean' },
    },
  }).values;
  const options = floorOptions.parse(raw);
  Runtime.install({ logger: new DefaultLogger('WARN'), telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } } });
  const server = raw.address ? null : await startTemporalDevServer({ headless: true });
  try {
    const result = await runFloor(raw.address ?? server!.address, options, server ? serverPidOf(process.pid) : undefined);
    if (raw.json) {
      console.log(JSON.stringify(result));
    } else {
      const who = options.customers ? `${options.customers} customers${options.rounds ? `, ${options.rounds} rounds` : ''}` : 'new customer each';
      console.log(`${options.shape}, ${options.draft} draft: ${result.turns} turns (${who}): replies completed ${result.repliesPerSecond.toFixed(0)}/s`);
      console.log(`CPU per reply: temporal dev server ${result.serverMsPerReply?.toFixed(1) ?? '?'} ms, worker+client ${result.workerMsPerReply.toFixed(1)} ms`);
    }
  } finally {
    await server?.stop();
  }
}

function serverPidOf(parent: number): number {
  const server = allProcs().find((p) => p.ppid === parent && p.comm === 'temporal');
  if (!server) throw new Error('temporal dev server process not found');
  return server.pid;
}
