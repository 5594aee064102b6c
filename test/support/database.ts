import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PrismaClient } from '../../lib/db/client.js';
import { startEmbeddedPostgres } from '../../scripts/devstack/embedded-postgres.js';
import { freePort } from '../../scripts/devstack/ports.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface TestDatabase {
  url: string;
  /** Scratch directory holding the cluster and its log; removed by stop(). */
  dir: string;
  stop(): Promise<void>;
}

/**
 * A throwaway, migrated PostgreSQL: fresh cluster in a temp dir, on a free port, with every migration in
 * prisma/migrations applied by the real `prisma migrate deploy` (the same path CI and production take).
 */
export async function startTestDatabase(options: { settings?: Record<string, string> } = {}): Promise<TestDatabase> {
  const dir = await mkdtemp(path.join(tmpdir(), 'wara-pg-'));
  // mkdtemp makes it 0700; as root the cluster runs as the `postgres` user, which must traverse it.
  await chmod(dir, 0o755);
  try {
    const postgres = await startOnFreePort(dir, options.settings);
    try {
      await migrateDeploy(postgres.url);
    } catch (error) {
      await postgres.stop();
      throw error;
    }
    return {
      url: postgres.url,
      dir,
      stop: async () => {
        await postgres.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

async function startOnFreePort(dir: string, settings?: Record<string, string>) {
  // Another process may grab the port between the probe and PG's bind: retry with a new one.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return await startEmbeddedPostgres({
        dataDir: path.join(dir, 'data'),
        port,
        logFile: path.join(dir, 'postgres.log'),
        ...(settings ? { settings } : {}),
      });
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

/** Kept under its old name for the tests that import it from here. */
export { freePort as findFreePort } from '../../scripts/devstack/ports.js';

export function migrateDeploy(databaseUrl: string): Promise<void> {
  const prisma = path.join(repoRoot, 'node_modules', '.bin', 'prisma');
  return new Promise((resolve, reject) => {
    const child = spawn(prisma, ['migrate', 'deploy'], {
      cwd: repoRoot,
      env: { ...process.env, DATABASE_URL: databaseUrl, CHECKPOINT_DISABLE: '1', PRISMA_HIDE_UPDATE_MESSAGE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`prisma migrate deploy failed (exit ${code}):\n${output}`)),
    );
  });
}

/**
 * Empties every application table (not the migration history) for tests that need a clean slate.
 * Only for a database the calling test owns: files run in parallel against the shared one.
 */
export async function resetDatabase(prisma: PrismaClient): Promise<void> {
  // `tablename` is of type `name`, which adapter-pg cannot decode: cast to text.
  const tables = await prisma.$queryRaw<Array<{ table: string }>>`
    SELECT tablename::text AS "table" FROM pg_tables
    WHERE schemaname = current_schema() AND tablename <> '_prisma_migrations'`;
  if (tables.length === 0) return;
  const list = tables.map(({ table }) => `"${table.replaceAll('"', '""')}"`).join(', ');
  // audit_logs refuses TRUNCATE (append-only trigger); a test cluster's superuser may skip ordinary
  // triggers for this one transaction (replica mode), which production's role cannot do by accident.
  await prisma.$transaction([
    prisma.$executeRawUnsafe(`SET LOCAL session_replication_role = replica`),
    prisma.$executeRawUnsafe(`TRUNCATE TABLE ${list} RESTART IDENTITY CASCADE`),
  ]);
}
