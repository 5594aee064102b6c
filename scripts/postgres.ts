// Runs the embedded PostgreSQL until interrupted:
//   tsx scripts/postgres.ts --data .data/postgres --port 5433 [--database wara]
// Prints `DATABASE_URL=...` once ready (scripts can wait for that line), stops PG cleanly on SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { startEmbeddedPostgres } from './devstack/embedded-postgres.js';

const argsSchema = z.object({
  data: z.string().min(1).default('.data/postgres'),
  port: z.coerce.number().int().min(1).max(65535).default(5433),
  database: z.string().default('wara'),
  user: z.string().default('postgres'),
  password: z.string().default('postgres'),
});

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    port: { type: 'string' },
    database: { type: 'string' },
    user: { type: 'string' },
    password: { type: 'string' },
  },
});
const args = argsSchema.parse(values);

const startedAt = performance.now();
const running = await startEmbeddedPostgres({
  dataDir: args.data,
  port: args.port,
  database: args.database,
  user: args.user,
  password: args.password,
}).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
const ms = Math.round(performance.now() - startedAt);
console.error(`postgres ${running.initialised ? 'initialised and started' : 'started'} in ${ms} ms; log: ${running.logFile}`);
console.log(`DATABASE_URL=${running.url}`);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.error(`${signal}: stopping postgres`);
  await running.stop();
  console.error('postgres stopped');
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
// Keep the event loop alive; PG runs as a child process that the library does not ref for us.
setInterval(() => {}, 1 << 30);
