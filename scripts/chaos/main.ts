// `npm run chaos`: the fault suite at full size (see bench/README.md "Fault suite").
//   tsx scripts/chaos/main.ts [--customers 200] [--messages-per-customer 5] [--duplicate-rate 0.1] [--seed 42]
//     [--reorder-rate 0.2] [--traffic-seconds 90] [--drain-timeout-seconds 300]
//     [--worker-kills 2] [--temporal-restarts 1] [--postgres-restarts 1] [--reply inline|child] [--keep]
// Exit code: 0 all invariants hold, 1 an invariant broke (the offending sids are printed), 2 bad arguments,
// 130 interrupted.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { runChaos } from './run.js';

const count = (fallback: number) => z.coerce.number().int().min(0).default(fallback);
const schema = z.object({
  customers: z.coerce.number().int().min(1).default(200),
  'messages-per-customer': z.coerce.number().int().min(1).default(5),
  'duplicate-rate': z.coerce.number().min(0).max(1).default(0.1),
  'reorder-rate': z.coerce.number().min(0).max(1).default(0.2),
  seed: z.coerce.number().int().default(42),
  'traffic-seconds': z.coerce.number().positive().default(90),
  'drain-timeout-seconds': z.coerce.number().positive().default(300),
  'worker-kills': count(2),
  'temporal-restarts': count(1),
  'postgres-restarts': count(1),
  reply: z.enum(['inline', 'child']).optional(),
  keep: z.boolean().default(false),
});

const stringOptions = ['customers', 'messages-per-customer', 'duplicate-rate', 'reorder-rate', 'seed', 'traffic-seconds', 'drain-timeout-seconds', 'worker-kills', 'temporal-restarts', 'postgres-restarts', 'reply'] as const;
let args: z.infer<typeof schema>;
try {
  const { values } = parseArgs({
    options: { ...Object.fromEntries(stringOptions.map((name) => [name, { type: 'string' as const }])), keep: { type: 'boolean' } },
    strict: true,
  });
  args = schema.parse(values);
} catch (err) {
  console.error(err instanceof z.ZodError ? z.prettifyError(err) : (err as Error).message);
  process.exit(2);
}

// Ctrl-C (or a SIGTERM): the run stops its traffic and closes its stack (API, worker, Temporal, Postgres).
const abort = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping the fault suite's stack…`);
    abort.abort();
  });
}

const result = await runChaos({
  customers: args.customers,
  messagesPerCustomer: args['messages-per-customer'],
  duplicateRate: args['duplicate-rate'],
  reorderRate: args['reorder-rate'],
  seed: args.seed,
  trafficMs: args['traffic-seconds'] * 1000,
  drainTimeoutMs: args['drain-timeout-seconds'] * 1000,
  faults: { workerKills: args['worker-kills'], temporalRestarts: args['temporal-restarts'], postgresRestarts: args['postgres-restarts'] },
  keepDir: args.keep ? 'always' : 'on-failure',
  signal: abort.signal,
  ...(args.reply ? { extraEnv: { REPLY_WORKFLOW: args.reply } } : {}),
});
console.log(result.report);
process.exit(abort.signal.aborted ? 130 : result.ok ? 0 : 1);
