import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { API_NODE_FLAGS } from '../api/node-flags.js';
import { loadOrCreateDevKeyring, loadOrCreateDevSecret } from './devstack/dev-key.js';
import { startEmbeddedPostgres } from './devstack/embedded-postgres.js';
import { asBackground } from './devstack/priority.js';
import { startTemporalDevServer, stopChild, type RunningTemporal } from './devstack/temporal-dev-server.js';
import { waitForPort } from './devstack/ports.js';
import { devProviderEnv, startLocalProviders, type LocalProviders } from './devstack/local-providers.js';

/**
 * Runs the whole system locally: embedded Postgres, Temporal dev server + Web UI, provider stand-ins
 * (only for providers without real credentials), worker, API and dashboard. Ctrl-C stops everything.
 * State lives in .data/ so a second start keeps accounts, catalogs and workflow history.
 */
const ROOT = process.cwd();
/** Where state lives (Postgres, Temporal, the stand-ins, the dev key); tests point it at a temp dir. */
const DATA = process.env.WARA_DATA_DIR ?? join(ROOT, '.data');
if (existsSync(join(ROOT, '.env'))) process.loadEnvFile(join(ROOT, '.env'));

const ports = {
  postgres: Number(process.env.POSTGRES_PORT ?? 5433),
  temporal: Number(process.env.TEMPORAL_PORT ?? 7233),
  temporalUi: Number(process.env.TEMPORAL_UI_PORT ?? 8233),
  api: Number(process.env.API_PORT ?? 3000),
  web: Number(process.env.WEB_PORT ?? 5173),
};

const children: ChildProcess[] = [];
const stops: Array<() => Promise<void>> = [];
let stopping = false;

async function main(): Promise<void> {
  const started = performance.now();
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: process.env.NODE_ENV ?? 'development' };

  if (!env.DATABASE_URL) {
    const pg = await startEmbeddedPostgres({ dataDir: join(DATA, 'postgres'), port: ports.postgres });
    stops.push(pg.stop);
    env.DATABASE_URL = pg.url;
  }
  await run('prisma', ['migrate', 'deploy'], env);

  if (!env.TEMPORAL_ADDRESS) {
    const temporal: RunningTemporal = await startTemporalDevServer({
      port: ports.temporal,
      uiPort: ports.temporalUi,
      dbFile: join(DATA, 'temporal', 'temporal.sqlite'),
      logFile: join(DATA, 'logs', 'temporal.log'),
      background: true,
    });
    stops.push(temporal.stop);
    env.TEMPORAL_ADDRESS = temporal.address;
    env.TEMPORAL_UI_URL = temporal.uiUrl ?? undefined;
  }

  const providers: LocalProviders = await startLocalProviders(env, { dataDir: DATA, apiUrl: `http://127.0.0.1:${ports.api}` });
  stops.push(providers.stop);
  Object.assign(env, devProviderEnv(env, providers));

  env.API_PORT = String(ports.api);
  env.SERVER_PUBLIC_URL ??= `http://127.0.0.1:${ports.api}`;
  env.SECRETS_ENCRYPTION_KEYS ??= loadOrCreateDevKeyring(join(DATA, 'secrets-encryption-keys'));
  env.APP_SECRET ??= loadOrCreateDevSecret(join(DATA, 'app-secret'));
  env.WEB_PUBLIC_URL ??= `http://127.0.0.1:${ports.web}`;
  env.WEBHOOK_SPOOL_DIR ??= join(DATA, 'webhook-spool');

  // Background priority (scripts/devstack/priority.ts): under load, webhook acks come before workflow work.
  // Node with tsx as a loader (no wrapper process), so a signal from here reaches the process itself.
  launch('worker', process.execPath, ['--import', 'tsx', 'worker/main.ts'], env, { background: true });
  launch('api', process.execPath, [...API_NODE_FLAGS, '--import', 'tsx', 'api/main.ts'], env);
  launch('web', 'vite', ['dev', '--config', 'web/vite.config.ts', '--port', String(ports.web), '--strictPort', '--host', '127.0.0.1'], {
    ...env,
    API_URL: `http://127.0.0.1:${ports.api}`,
  });
  await Promise.all([waitForPort(ports.api), waitForPort(ports.web)]);

  const lines = [
    `WARA is running (${((performance.now() - started) / 1000).toFixed(1)} s)`,
    `  dashboard      ${env.WEB_PUBLIC_URL}`,
    `  api            http://127.0.0.1:${ports.api}  (probes: /livez /readyz; /health and /metrics from this host)`,
    ...(env.WORKER_METRICS_ADDRESS === 'off' ? [] : [`  worker metrics http://${env.WORKER_METRICS_ADDRESS ?? '127.0.0.1:9464'}/metrics  (Temporal SDK metrics; WORKER_METRICS_ADDRESS)`]),
    '  operators      npm run operator -- add you@example.com, then /ops',
    `  data           ${DATA}`,
    `  temporal ui    ${env.TEMPORAL_UI_URL ?? '(external)'}`,
    `  temporal grpc  ${env.TEMPORAL_ADDRESS}`,
    `  postgres       ${redactUrl(env.DATABASE_URL)}`,
    ...providers.describe(),
    'Ctrl-C stops everything; data stays in .data/.',
  ];
  console.log(`\n${lines.join('\n')}\n`);
}

function launch(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, options: { background?: boolean } = {}): void {
  const run = options.background ? asBackground(command, args) : { command, args };
  const child = spawn(run.command, run.args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = `[${name}] `.padEnd(9);
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = '';
    stream?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const line of parts) if (line.trim()) process.stdout.write(`${prefix}${line}\n`);
    });
  }
  child.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(`${prefix}exited (${signal ?? code}); stopping everything`);
    void shutdown(1);
  });
  children.push(child);
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code}`))));
  });
}

function redactUrl(url: string | undefined): string {
  return url ? url.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@') : '';
}

async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping…');
  await Promise.all(children.map((child) => stopChild(child, 10_000)));
  for (const stop of stops.reverse()) await stop().catch((err: unknown) => console.error(err));
  process.exit(code);
}

// Ctrl-C, `kill`, a process manager or an IDE's stop button, or the terminal closing: stop everything.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutdown(0));
main().catch((err: unknown) => {
  console.error('dev stack failed to start:', err instanceof Error ? err.message : err);
  void shutdown(1);
});
