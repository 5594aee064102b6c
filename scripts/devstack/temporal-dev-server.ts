import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Connection } from '@temporalio/client';
import { freePort } from './ports.js';
import { asBackground } from './priority.js';

export interface TemporalDevServerOptions {
  /** gRPC port; 0 picks a free one. */
  port?: number;
  /** Web UI port; omitted with `headless`. */
  uiPort?: number;
  headless?: boolean;
  /** SQLite file for state that survives restarts; omitted = in memory (tests). */
  dbFile?: string;
  logFile?: string;
  /** Run at background CPU priority (see priority.ts): the dev stack and benchmarks, not tests. */
  background?: boolean;
}

export interface RunningTemporal {
  address: string;
  uiUrl: string | null;
  stop(): Promise<void>;
}

/** Finds the Temporal CLI: one on PATH first, else the one setup built under .tools/bin. */
export function temporalCliPath(root = process.cwd()): string {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const candidate = join(dir, 'temporal');
    if (dir && existsSync(candidate)) return candidate;
  }
  const built = join(root, '.tools', 'bin', 'temporal');
  if (existsSync(built)) return built;
  throw new Error('Temporal CLI not found: run `npm run setup` first');
}

/**
 * The dynamic config a server needs for fairness keys to matter (compose's temporal-dynamic-config.yaml says the
 * same): the priority matcher and fairness on.
 */
export const TEMPORAL_FAIRNESS_CONFIG = ['matching.useNewMatcher=true', 'matching.enableFairness=true'];

/** Starts `temporal server start-dev` (server + optional Web UI) and resolves once it answers gRPC. */
export async function startTemporalDevServer(options: TemporalDevServerOptions = {}): Promise<RunningTemporal> {
  const port = options.port || (await freePort());
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'warn'];
  if (options.headless) args.push('--headless');
  else args.push('--ui-port', String(options.uiPort ?? port + 1000));
  if (options.dbFile) {
    mkdirSync(dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
  }
  // Search attributes the dashboard filters runs by; registering them at start is idempotent.
  args.push('--search-attribute', 'WaraTenantId=Keyword');
  // Task queue fairness (README "Fairness between merchants"): tasks carry their tenant as fairness key, and
  // matching hands them out round-robin across keys instead of in arrival order. Off unless enabled here.
  args.push(...TEMPORAL_FAIRNESS_CONFIG.flatMap((setting) => ['--dynamic-config-value', setting]));

  const command = options.background ? asBackground(temporalCliPath(), args) : { command: temporalCliPath(), args };
  const child = spawn(command.command, command.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  if (options.logFile) {
    mkdirSync(dirname(options.logFile), { recursive: true });
    const log = createWriteStream(options.logFile, { flags: 'a' });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
  } else {
    child.stdout?.resume();
    child.stderr?.resume();
  }
  const address = `127.0.0.1:${port}`;
  await waitForGrpc(address, child);
  return {
    address,
    uiUrl: options.headless ? null : `http://127.0.0.1:${options.uiPort ?? port + 1000}`,
    stop: () => stopChild(child),
  };
}

async function waitForGrpc(address: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`temporal dev server exited with code ${child.exitCode}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      await connection.workflowService.getSystemInfo({});
      await connection.close();
      return;
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  child.kill('SIGKILL');
  throw new Error(`temporal dev server not ready at ${address}: ${String(lastError)}`);
}

export function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
