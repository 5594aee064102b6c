// Exports 1,000,000 audit entries through the real route (GET /api/ops/audit/export.csv, an operator's
// session, the API listening on a socket, the body read by an HTTP client) from a throwaway embedded
// Postgres, and prints rows/s and the API process's peak RSS. Reference in the same run: Postgres' own
// `COPY (the same query) TO STDOUT WITH CSV`, read by the same process — the floor for producing those rows.
// Goal: peak RSS ≤ 150 MB, flat in the row count.
//   tsx bench/audit-export.ts [--rows 1000000] [--database-url postgresql://…] [--tsx]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { chmod, copyFile, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { z } from 'zod';
import { startEmbeddedPostgres } from '../scripts/devstack/embedded-postgres.js';
import { findFreePort, migrateDeploy } from '../test/support/database.js';

const args = z
  .object({
    rows: z.coerce.number().int().min(1).default(1_000_000),
    'database-url': z.string().optional(),
    tsx: z.boolean().default(false),
  })
  .parse(parseArgs({ options: { rows: { type: 'string' }, 'database-url': { type: 'string' }, tsx: { type: 'boolean' } } }).values);

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const rate = (rows: number, ms: number) => `${Math.round(rows / (ms / 1000)).toLocaleString('en')} rows/s`;


const dir = await mkdtemp(path.join(tmpdir(), 'wara-bench-audit-'));
await chmod(dir, 0o755);
let stopPostgres = async () => {};
let databaseUrl = args['database-url'];
if (!databaseUrl) {
  const started = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: await findFreePort(), logFile: path.join(dir, 'pg.log') });
  stopPostgres = started.stop;
  databaseUrl = started.url;
  await migrateDeploy(databaseUrl);
}

// Seed: 50 shops, 200 users, N entries over a year with realistic shapes (details JSON, IPv4 and IPv6, some
// cells a spreadsheet would read as formulas). generate_series in one statement: seconds, not minutes.
const admin = new pg.Client({ connectionString: databaseUrl });
await admin.connect();
const seedStarted = performance.now();
await admin.query(`
  INSERT INTO tenants (id, name, slug, plan, updated_at)
  SELECT 'bench-tenant-' || t, CASE WHEN t % 10 = 0 THEN '=Shop ' || t ELSE 'Shop ' || t END, 'bench-shop-' || t, 'trial', now()
  FROM generate_series(1, 50) t`);
await admin.query(`
  INSERT INTO users (id, tenant_id, email, updated_at)
  SELECT 'bench-user-' || u, 'bench-tenant-' || (u % 50 + 1), 'owner' || u || '@shop' || (u % 50 + 1) || '.example', now()
  FROM generate_series(1, 200) u`);
await admin.query(
  `INSERT INTO audit_logs (id, tenant_id, actor_user_id, actor_type, workflow_id, action, target_type, target_id, details, ip, created_at)
   SELECT 'bench' || lpad(i::text, 10, '0'),
          'bench-tenant-' || (i % 50 + 1),
          CASE WHEN i % 3 = 0 THEN NULL ELSE 'bench-user-' || (i % 200 + 1) END,
          (CASE WHEN i % 3 = 0 THEN 'workflow' ELSE 'user' END)::audit_actor_type,
          CASE WHEN i % 3 = 0 THEN 'conversation:bench-tenant-' || (i % 50 + 1) || ':whatsapp:+1555' || lpad((i % 10000000)::text, 7, '0') END,
          (ARRAY['auth.login','auth.logout','catalog.upload','conversation.takeover','conversation.manual_reply','integration.test_message','billing.subscription_changed'])[i % 7 + 1],
          'conversation', 'c' || md5(i::text),
          jsonb_build_object('outcome', 'ok', 'rows', i % 1000, 'note', CASE WHEN i % 97 = 0 THEN '=HYPERLINK("x")' ELSE 'from the dashboard' END),
          CASE WHEN i % 2 = 0 THEN '203.0.' || (i % 255) || '.' || (i % 251) ELSE '2001:db8:' || to_hex(i % 65535) || '::' || to_hex(i % 4096) END,
          timestamp '2026-01-01' + (i * interval '31 seconds')
   FROM generate_series(1, $1::int) i`,
  [args.rows],
);
await admin.query('VACUUM ANALYZE audit_logs');
const seedMs = performance.now() - seedStarted;
const tableSize = (await admin.query<{ size: string }>(`SELECT pg_size_pretty(pg_total_relation_size('audit_logs')) AS size`)).rows[0]?.size;
console.log(`seeded ${args.rows.toLocaleString('en')} audit entries in ${(seedMs / 1000).toFixed(1)} s (table + indexes ${tableSize})`);

// The real API in a process of its own (bench/audit-export-api.ts), so its memory is measured alone: this
// process is only the HTTP client. Compiled by tsc first, as production runs dist/ (tsx keeps the sources
// and its transform cache in memory: ~50 MB more); --tsx skips the build. BENCH_API_NODE_OPTIONS passes
// V8 flags to it (e.g. a heap cap).
const ROOT = path.join(import.meta.dirname, '..');
let apiCommand: string[];
if (args.tsx) {
  apiCommand = ['--import', 'tsx', 'bench/audit-export-api.ts'];
} else {
  const out = path.join(dir, 'dist');
  const built = performance.now();
  // Only what the API process imports, emitted without type checking (npm run typecheck does that).
  const tsc = spawn(
    path.join(ROOT, 'node_modules', '.bin', 'tsc'),
    ['--ignoreConfig', '--outDir', out, '--rootDir', '.', '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--target', 'ES2023',
      '--skipLibCheck', '--esModuleInterop', '--resolveJsonModule', '--types', 'node', '--noCheck', 'bench/audit-export-api.ts'],
    { cwd: ROOT, stdio: 'inherit' },
  );
  await once(tsc, 'exit');
  await symlink(path.join(ROOT, 'node_modules'), path.join(out, 'node_modules'));
  await copyFile(path.join(ROOT, 'package.json'), path.join(out, 'package.json'));
  apiCommand = [path.join(out, 'bench', 'audit-export-api.js')];
  console.log(`compiled the API with tsc in ${((performance.now() - built) / 1000).toFixed(1)} s`);
}
const api = spawn(process.execPath, [...(process.env.BENCH_API_NODE_OPTIONS ?? '').split(' ').filter(Boolean), ...apiCommand], {
  cwd: ROOT,
  env: { ...process.env, DATABASE_URL: databaseUrl },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const [firstLine] = (await once(createInterface({ input: api.stdout! }), 'line')) as [string];
const { url: apiUrl, cookie } = JSON.parse(firstLine) as { url: string; cookie: string };
const apiPid = api.pid!;
const status = (field: 'VmRSS' | 'VmHWM') => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${apiPid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
// Start the API's high-water mark here: its start-up is not the export.
writeFileSync(`/proc/${apiPid}/clear_refs`, '5');
const rssBefore = status('VmRSS');
let apiPeak = rssBefore;
const sampler = setInterval(() => (apiPeak = Math.max(apiPeak, status('VmRSS'))), 10);

/** Reads a body to the end, counting bytes and lines; notes the API's peak RSS at each tenth of `expectedLines`. */
async function drain(body: AsyncIterable<Uint8Array>, expectedLines: number, marks?: number[]): Promise<{ bytes: number; lines: number }> {
  let bytes = 0;
  let lines = 0;
  let nextMark = 1;
  for await (const chunk of body) {
    bytes += chunk.byteLength;
    let from = 0;
    const buffer = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    while ((from = buffer.indexOf(10, from) + 1) > 0) lines++;
    if (marks && lines >= (expectedLines * nextMark) / 10) {
      marks.push(apiPeak);
      nextMark++;
    }
  }
  return { bytes, lines };
}

// 1. The export, through the route and a real socket.
const exportStarted = performance.now();
const res = await fetch(`${apiUrl}/api/ops/audit/export.csv`, { headers: { cookie } });
if (res.status !== 200 || !res.body) throw new Error(`export answered ${res.status}`);
const marks: number[] = [];
const exported = await drain(res.body, args.rows, marks);
const exportMs = performance.now() - exportStarted;
clearInterval(sampler);
const exportPeak = Math.max(apiPeak, status('VmHWM'));

// 2. The reference: Postgres writing the same rows (same joins, same order) as CSV itself.
const copyClient = new pg.Client({ connectionString: databaseUrl });
await copyClient.connect();
const copyStarted = performance.now();
const copied = await drain(
  copyClient.query(
    copyTo(`COPY (SELECT a.created_at, a.action, a.tenant_id, t.name, a.actor_type, a.actor_user_id, u.email, a.workflow_id, a.target_type, a.target_id, a.ip, a.details, a.id
                  FROM audit_logs a LEFT JOIN tenants t ON t.id = a.tenant_id LEFT JOIN users u ON u.id = a.actor_user_id
                  ORDER BY a.created_at DESC, a.id DESC) TO STDOUT WITH (FORMAT csv, HEADER)`),
  ),
  args.rows,
);
const copyMs = performance.now() - copyStarted;
await copyClient.end();

// Every entry in the table at the end: the seeded ones, plus the operator's own (added, logged in, exported).
const entries = Number((await admin.query<{ n: string }>('SELECT count(*) AS n FROM audit_logs')).rows[0]?.n);
const rows = exported.lines - 1;
console.log(`export  ${rows.toLocaleString('en')} rows, ${mb(exported.bytes)} of CSV in ${(exportMs / 1000).toFixed(1)} s: ${rate(rows, exportMs)}`);
console.log(`        API process (${args.tsx ? 'tsx' : 'compiled'}, ${process.env.BENCH_API_NODE_OPTIONS || 'default V8 flags'}): peak RSS ${mb(exportPeak)}, ${mb(rssBefore)} before the export — goal ≤ 150 MB`);
console.log(`        its peak RSS after each tenth of the rows: ${marks.map((m) => (m / 1024 / 1024).toFixed(0)).join(' ')} MB`);
console.log(`floor   COPY … TO STDOUT of the same rows: ${mb(copied.bytes)} in ${(copyMs / 1000).toFixed(1)} s: ${rate(copied.lines - 1, copyMs)}`);
console.log(`        the export takes ${(exportMs / copyMs).toFixed(1)}× the floor's time`);
if (rows !== entries) console.log(`!! expected ${entries} rows, got ${rows}`);

api.kill('SIGTERM');
await once(api, 'exit');
await admin.end();
await stopPostgres();
await rm(dir, { recursive: true, force: true });
process.exitCode = exportPeak <= 150 * 1024 * 1024 && rows === entries ? 0 : 1;
