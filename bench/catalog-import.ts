// Imports a generated 100k-row CSV through the catalog import core (parse → validate → stage → upsert)
// against a throwaway embedded Postgres, then re-imports it (all unchanged) and prints rows/s, wall time
// and peak RSS. Goal: ≤ 10 s and ≤ 300 MB on a 2-core machine. Runs under the API's V8 flags
// (api/node-flags.ts), where uploads are imported; --v8-defaults measures without them.
//   tsx bench/catalog-import.ts [--rows 100000] [--database-url postgresql://…] [--v8-defaults]
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { API_NODE_FLAGS } from '../api/node-flags.js';
import { applyAll } from '../lib/catalog/apply.js';
import { closeCatalogPool } from '../lib/catalog/pg-pool.js';
import { receiveUpload } from '../lib/catalog/receive.js';
import { createPrismaClient } from '../lib/db/client.js';
import { findFreePort, migrateDeploy } from '../test/support/database.js';
import { startEmbeddedPostgres } from '../scripts/devstack/embedded-postgres.js';
import { allProcs, procStat } from './proc-stat.js';

const args = z
  .object({ rows: z.coerce.number().int().min(1).default(100_000), 'database-url': z.string().optional(), 'v8-defaults': z.boolean().default(false) })
  .parse(parseArgs({ options: { rows: { type: 'string' }, 'database-url': { type: 'string' }, 'v8-defaults': { type: 'boolean' } } }).values);

// The peak RSS depends on V8's heap sizing: measured under the flags the API process runs with.
const missingFlags = args['v8-defaults'] ? [] : API_NODE_FLAGS.filter((flag) => !process.execArgv.includes(flag));
if (missingFlags.length > 0) {
  const child = spawnSync(process.execPath, [...missingFlags, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(child.status ?? 1);
}

const COLOURS = ['red', 'blue', 'black', 'white', 'green', 'navy', 'beige'];
const KINDS = ['T-shirt', 'Hoodie', 'Sneakers', 'Jacket', 'Cap', 'Scarf', 'Backpack', 'Dress', 'Jeans', 'Socks'];

function csvRow(i: number): string {
  const kind = KINDS[i % KINDS.length] ?? 'Item';
  const colour = COLOURS[i % COLOURS.length] ?? 'grey';
  const price = (5 + (i % 500) + (i % 100) / 100).toFixed(2);
  return `SKU-${i},"${kind} ${colour}, model ${i}",${price},USD,${i % 250},${kind},https://shop.example/p/${i},"Soft ${colour} ${kind.toLowerCase()} for everyday wear. Size ${36 + (i % 12)}.",${36 + (i % 12)}`;
}

/** Written in slices so the generator itself does not inflate the memory figure. */
async function writeCsv(target: string, rows: number): Promise<void> {
  const out = createWriteStream(target);
  out.write('sku,name,price,currency,stock,category,url,description,size\n');
  for (let i = 0; i < rows; i += 1_000) {
    const slice = Array.from({ length: Math.min(1_000, rows - i) }, (_, j) => csvRow(i + j)).join('\n') + '\n';
    if (!out.write(slice)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);

const dir = await mkdtemp(path.join(tmpdir(), 'wara-bench-'));
// As root, embedded Postgres runs as the `postgres` user, which must be able to enter this directory.
await chmod(dir, 0o755);
const file = path.join(dir, 'catalog.csv');
await writeCsv(file, args.rows);

let stopPostgres = async () => {};
let postmasterPid: number | null = null;
let databaseUrl = args['database-url'];
if (!databaseUrl) {
  const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: await findFreePort(), logFile: path.join(dir, 'pg.log') });
  stopPostgres = pg.stop;
  postmasterPid = Number(readFileSync(path.join(dir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
  databaseUrl = pg.url;
  await migrateDeploy(databaseUrl);
}
const prisma = createPrismaClient(databaseUrl, { max: 4 });
const tenant = await prisma.tenant.create({ data: { name: 'Bench shop', slug: `bench-${randomUUID()}` } });

/**
 * CPU seconds used by the embedded cluster so far: the postmaster, its live children (backends, checkpointer…)
 * and its exited children (cutime/cstime). Wall time on a shared 2-core machine is noisy; CPU is not.
 */
function postgresCpuSeconds(): number | null {
  if (!postmasterPid) return null;
  const postmaster = procStat(postmasterPid);
  const live = allProcs().filter((p) => p.ppid === postmasterPid);
  return (postmaster ? postmaster.cpu + postmaster.exitedChildrenCpu : 0) + live.reduce((sum, p) => sum + p.cpu, 0);
}

async function run(label: string): Promise<void> {
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const pgBefore = postgresCpuSeconds();
  const received = await receiveUpload(prisma, {
    tenantId: tenant.id,
    userId: null,
    uploadId: randomUUID(),
    fileName: 'catalog.csv',
    format: 'csv',
    body: createReadStream(file, { highWaterMark: 64 * 1024 }),
  });
  const staged = performance.now();
  const nodeStaged = process.cpuUsage(cpuBefore);
  const pgStaged = postgresCpuSeconds();
  const report = await applyAll(prisma, received.importId);
  const nodeCpu = process.cpuUsage(cpuBefore);
  const pgAfter = postgresCpuSeconds();
  const cpu = (us: { user: number; system: number }) => ((us.user + us.system) / 1e6).toFixed(1);
  const pgCpu = (a: number | null, b: number | null) => (a === null || b === null ? '?' : (b - a).toFixed(1));
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `${label}: ${report.rowsTotal} rows in ${seconds.toFixed(2)} s = ${Math.round((report.rowsTotal ?? 0) / seconds)} rows/s ` +
      `(read+validate+stage ${((staged - started) / 1000).toFixed(2)} s applying ${received.applied} rows meanwhile, upsert ${((performance.now() - staged) / 1000).toFixed(2)} s); ` +
      `heap ${Math.round(process.memoryUsage().heapUsed / 1e6)} MB, rss ${Math.round(process.memoryUsage().rss / 1e6)} MB; created ${report.created}, updated ${report.updated}, unchanged ${report.unchanged}, rejected ${report.rejected}\n` +
      `  CPU s: Node ${cpu(nodeStaged)} + ${(Number(cpu(nodeCpu)) - Number(cpu(nodeStaged))).toFixed(1)}, Postgres ${pgCpu(pgBefore, pgStaged)} + ${pgCpu(pgStaged, pgAfter)} (stage + upsert)`,
  );
}

try {
  await run('first import ');
  await run('same file again');
  console.log(`peak RSS ${Math.round(peakRss / 1024 / 1024)} MB (whole process, Postgres not included; V8 flags: ${API_NODE_FLAGS.filter((flag) => process.execArgv.includes(flag)).join(' ') || 'defaults'})`);
} finally {
  clearInterval(sampler);
  await prisma.tenant.delete({ where: { id: tenant.id } }).catch(() => undefined);
  await closeCatalogPool(prisma);
  await prisma.$disconnect();
  await stopPostgres();
  await rm(dir, { recursive: true, force: true });
}
