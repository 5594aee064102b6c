// The fault suite's own stack, in a temp dir on free loopback ports (never .data/ or the dev ports):
// embedded Postgres and the Temporal dev server with a SQLite file (both restartable on the same port and
// data), the Twilio and OpenAI stand-ins in this process, and the API and the worker as child processes
// started the way `npm run dev` starts them (`node --import tsx api/main.ts | worker/main.ts`), so the
// worker can be `kill -9`ed and started again and the API has to live through every outage on its own.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';
import { startFakeOpenAI, type FakeOpenAI } from '../../fakes/openai/server.js';
import { FakeTwilioControl } from '../../fakes/twilio/control-client.js';
import { startFakeTwilio, type FakeTwilio } from '../../fakes/twilio/server.js';
import { formatKey } from '../../lib/crypto/index.js';
import { migrateDeploy } from '../../test/support/database.js';
import { bundleWorkflows } from '../../worker/bundle.js';
import { startEmbeddedPostgres, type RunningPostgres } from '../devstack/embedded-postgres.js';
import { freePort } from '../devstack/ports.js';
import { startTemporalDevServer, type RunningTemporal } from '../devstack/temporal-dev-server.js';
import { ManagedProcess, type UnexpectedExit } from './processes.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const TASK_QUEUE = 'chaos';

export interface WebhookRetryPolicy {
  maxAttempts: number;
  timeoutMs: number;
  backoffMs: number;
}

export interface ChaosStackOptions {
  /** Scratch directory (created by the caller, removed by the caller). */
  dir: string;
  /** A prebuilt workflow bundle (the vitest global setup has one); otherwise bundled here. */
  workflowBundlePath?: string;
  webhookRetry: WebhookRetryPolicy;
  /** REPLY_QUIET_PERIOD_MS for the worker and API; unset = the product default. */
  replyQuietPeriodMs?: number;
  /** More env for the API and the worker (e.g. REPLY_WORKFLOW=child). */
  extraEnv?: Record<string, string>;
  /** Puts something between the product processes and the Twilio stand-in (a proxy); returns the URL they use. */
  twilioUrlForProcesses?: (standInUrl: string) => Promise<string>;
  clock: () => number;
  log: (line: string) => void;
}

export interface ChaosStack {
  dir: string;
  databaseUrl: string;
  temporalAddress: string;
  publicUrl: string;
  twilio: FakeTwilio;
  control: FakeTwilioControl;
  openai: FakeOpenAI;
  master: { sid: string; token: string };
  secretsKeys: string;
  api: ManagedProcess;
  worker: ManagedProcess;
  /** Exits of the API or worker that no fault caused (a process manager restarts them; we record them). */
  unexpectedExits: UnexpectedExit[];
  postgresRestart(downMs: number): Promise<{ stoppedMs: number; startedMs: number }>;
  temporalRestart(downMs: number): Promise<{ stoppedMs: number; startedMs: number }>;
  /** A Temporal client connection of the suite's own (describe, query, task-queue pollers). */
  temporal(): Promise<Connection>;
  close(): Promise<void>;
}

/** The env the product processes get: a clean base (no developer credentials leak in) plus the stack. */
function processEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const key of ['PATH', 'HOME', 'USER', 'LANG', 'LC_ALL', 'TMPDIR', 'TZ']) if (process.env[key]) env[key] = process.env[key];
  return { ...env, ...extra };
}

export async function startChaosStack(options: ChaosStackOptions): Promise<ChaosStack> {
  const { dir, log } = options;
  const closers: Array<() => Promise<void>> = [];
  let closing: Promise<void> | null = null;
  /** Stops everything started so far, last first; a second call waits for the first. */
  const close = () =>
    (closing ??= (async () => {
      for (const fn of closers.reverse()) await fn().catch((err: unknown) => log(`cleanup: ${(err as Error).message}`));
    })());
  try {
    // As root, embedded Postgres runs as the `postgres` user, which must be able to traverse the dir.
    await chmod(dir, 0o755);
    const pgDir = path.join(dir, 'postgres');
    await mkdir(pgDir, { recursive: true, mode: 0o755 });
    const [pgPort, temporalPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const pgOptions = { dataDir: path.join(pgDir, 'data'), port: pgPort, logFile: path.join(dir, 'postgres.log') };
    const temporalOptions = {
      port: temporalPort,
      headless: true,
      dbFile: path.join(dir, 'temporal', 'temporal.sqlite'),
      logFile: path.join(dir, 'temporal.log'),
    };

    const t0 = Date.now();
    const started = await Promise.allSettled([
      startEmbeddedPostgres(pgOptions).then(async (pg) => {
        await migrateDeploy(pg.url).catch(async (err: unknown) => {
          await pg.stop();
          throw err;
        });
        return pg;
      }),
      startTemporalDevServer(temporalOptions),
      options.workflowBundlePath
        ? Promise.resolve(options.workflowBundlePath)
        : bundleWorkflows().then(async (bundle) => {
            const file = path.join(dir, 'workflow-bundle.js');
            await writeFile(file, bundle.code);
            return file;
          }),
    ]);
    const [pgStarted, temporalStarted, bundleBuilt] = started;
    if (pgStarted.status === 'rejected' || temporalStarted.status === 'rejected' || bundleBuilt.status === 'rejected') {
      for (const r of [pgStarted, temporalStarted]) if (r.status === 'fulfilled') await r.value.stop();
      throw started.find((r): r is PromiseRejectedResult => r.status === 'rejected')!.reason;
    }
    // Both are replaced by their restarts: the closers stop whichever runs at the end.
    let postgres: RunningPostgres = pgStarted.value;
    let temporalServer: RunningTemporal = temporalStarted.value;
    const bundlePath = bundleBuilt.value;
    closers.push(() => postgres.stop());
    closers.push(() => temporalServer.stop());
    log(`postgres 127.0.0.1:${pgPort}, temporal ${temporalServer.address} (SQLite), bundle ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const master = { sid: `AC${randomBytes(16).toString('hex')}`, token: randomBytes(16).toString('hex') };
    const twilio = await startFakeTwilio({
      masterAccountSid: master.sid,
      masterAuthToken: master.token,
      config: { messageStatusDelayMs: 50, webhookRetry: options.webhookRetry },
    });
    closers.push(() => twilio.close());
    const openai = await startFakeOpenAI();
    closers.push(() => openai.close());

    let connection: Connection | null = null;
    const temporal = async (): Promise<Connection> => {
      connection ??= await Connection.connect({ address: temporalServer.address, connectTimeout: 5_000 });
      return connection;
    };
    closers.push(async () => {
      await connection?.close();
    });

    const publicUrl = `http://127.0.0.1:${apiPort}`;
    const secretsKeys = formatKey('chaos', randomBytes(32));
    const env = processEnv({
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      DATABASE_URL: postgres.url,
      TEMPORAL_ADDRESS: temporalServer.address,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: TASK_QUEUE,
      API_HOST: '127.0.0.1',
      API_PORT: String(apiPort),
      SERVER_PUBLIC_URL: publicUrl,
      WORKFLOW_BUNDLE_PATH: bundlePath,
      TWILIO_ACCOUNT_SID: master.sid,
      TWILIO_AUTH_TOKEN: master.token,
      TWILIO_API_BASE_URL: options.twilioUrlForProcesses ? await options.twilioUrlForProcesses(twilio.url) : twilio.url,
      OPENAI_API_KEY: 'chaos',
      OPENAI_BASE_URL: openai.url,
      SECRETS_ENCRYPTION_KEYS: secretsKeys,
      // As deployed: webhooks that arrive while Postgres restarts wait on disk instead of a 503.
      WEBHOOK_SPOOL_DIR: path.join(options.dir, 'webhook-spool'),
      ...(options.replyQuietPeriodMs === undefined ? {} : { REPLY_QUIET_PERIOD_MS: String(options.replyQuietPeriodMs) }),
      ...options.extraEnv,
    });

    const unexpectedExits: UnexpectedExit[] = [];
    const onUnexpectedExit = (exit: UnexpectedExit) => {
      unexpectedExits.push(exit);
      log(`!! ${exit.name} (pid ${exit.pid}) exited on its own (${exit.signal ?? `code ${exit.code}`}); last lines:\n   ${exit.lastLines.slice(-6).join('\n   ')}`);
    };
    const node = (script: string) => ({ command: process.execPath, args: ['--import', 'tsx', script], env, cwd: REPO_ROOT });

    const api = new ManagedProcess({
      name: 'api',
      ...node('api/main.ts'),
      logFile: path.join(dir, 'api.log'),
      // Listening is ready: /health answers (200 or 503) once the server is up.
      ready: async () => (await fetch(`${publicUrl}/health`, { signal: AbortSignal.timeout(2_000) })).status > 0,
      restartOnUnexpectedExit: { afterMs: 1_000 },
      clock: options.clock,
      onUnexpectedExit,
      log,
    });
    closers.push(() => api.close());
    const worker = new ManagedProcess({
      name: 'worker',
      ...node('worker/main.ts'),
      logFile: path.join(dir, 'worker.log'),
      // Ready = this very process polls the task queue (the server lists pollers by identity `pid@host`).
      ready: async (pid) => hasPoller(await temporal(), `${pid}@${hostname()}`),
      restartOnUnexpectedExit: { afterMs: 1_000 },
      clock: options.clock,
      onUnexpectedExit,
      log,
    });
    closers.push(() => worker.close());
    const [apiMs, workerMs] = await Promise.all([api.start(), worker.start()]);
    log(`api ${publicUrl} (pid ${api.pid}, ${(apiMs / 1000).toFixed(1)} s), worker pid ${worker.pid} polling (${(workerMs / 1000).toFixed(1)} s); logs in ${dir}`);

    return {
      dir,
      databaseUrl: postgres.url,
      temporalAddress: temporalServer.address,
      publicUrl,
      twilio,
      control: new FakeTwilioControl(twilio.url),
      openai,
      master,
      secretsKeys,
      api,
      worker,
      unexpectedExits,
      temporal,
      async postgresRestart(downMs) {
        const t = Date.now();
        await postgres.stop();
        const stoppedMs = Date.now() - t;
        await new Promise((r) => setTimeout(r, downMs));
        const s = Date.now();
        postgres = await startEmbeddedPostgres(pgOptions);
        return { stoppedMs, startedMs: Date.now() - s };
      },
      async temporalRestart(downMs) {
        const t = Date.now();
        await temporalServer.stop();
        const stoppedMs = Date.now() - t;
        await new Promise((r) => setTimeout(r, downMs));
        const s = Date.now();
        temporalServer = await startTemporalDevServer(temporalOptions);
        return { stoppedMs, startedMs: Date.now() - s };
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Whether `identity` polls the suite's workflow task queue. */
async function hasPoller(connection: Connection, identity: string): Promise<boolean> {
  const res = await connection.workflowService.describeTaskQueue({
    namespace: 'default',
    taskQueue: { name: TASK_QUEUE },
    taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
  });
  return (res.pollers ?? []).some((p) => p.identity === identity);
}
