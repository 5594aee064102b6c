// A child process the fault suite can SIGKILL and start again (the worker, the API): output to a log file
// (plus the last lines in memory for reports), readiness by polling a probe with a deadline, and a record of
// every exit nobody asked for.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';

export interface UnexpectedExit {
  name: string;
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** ms since the suite's clock started (see `ManagedProcess.clock`). */
  at: number;
  lastLines: string[];
}

export interface ManagedProcessOptions {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  logFile: string;
  /** Resolves true once the started process is ready (it gets the new pid); polled until `readyTimeoutMs`. */
  ready: (pid: number) => Promise<boolean>;
  readyTimeoutMs?: number;
  /** What a process manager would do: start it again when it exits on its own (after this delay). */
  restartOnUnexpectedExit?: { afterMs: number } | null;
  clock: () => number;
  onUnexpectedExit?: (exit: UnexpectedExit) => void;
  log?: (line: string) => void;
}

const TAIL = 40;

export class ManagedProcess {
  private child: ChildProcess | null = null;
  private readonly out: WriteStream;
  private readonly tail: string[] = [];
  private expectingExit = false;
  private closed = false;
  readonly unexpectedExits: UnexpectedExit[] = [];
  starts = 0;

  constructor(private readonly options: ManagedProcessOptions) {
    this.out = createWriteStream(options.logFile, { flags: 'a' });
  }

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  lastLines(): string[] {
    return [...this.tail];
  }

  /** Spawns the process and polls `ready` until it answers true; returns the ms it took. */
  async start(): Promise<number> {
    if (this.running) throw new Error(`${this.options.name} is already running`);
    const started = Date.now();
    const { command, args, env, cwd } = this.options;
    const child = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.expectingExit = false;
    this.starts += 1;
    const pid = child.pid;
    if (pid === undefined) throw new Error(`${this.options.name} could not be spawned`);
    this.out.write(`--- ${new Date().toISOString()} start pid ${pid}\n`);
    for (const stream of [child.stdout, child.stderr]) {
      let buffered = '';
      stream?.on('data', (chunk: Buffer) => {
        this.out.write(chunk);
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) if (line.trim()) this.remember(line);
      });
    }
    child.once('exit', (code, signal) => this.exited(child, pid, code, signal));

    const deadline = started + (this.options.readyTimeoutMs ?? 60_000);
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${this.options.name} exited during start-up (${child.signalCode ?? child.exitCode}):\n${this.tail.slice(-15).join('\n')}`);
      }
      if (await this.options.ready(pid).catch(() => false)) return Date.now() - started;
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`${this.options.name} (pid ${pid}) not ready after ${this.options.readyTimeoutMs ?? 60_000} ms:\n${this.tail.slice(-15).join('\n')}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** `kill -9`, and waits until the process is gone. */
  async kill9(): Promise<number> {
    const child = this.child;
    if (!child || !this.running) throw new Error(`${this.options.name} is not running`);
    this.expectingExit = true;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await withDeadline(gone, 10_000, `${this.options.name} to die after SIGKILL`);
    return child.pid!;
  }

  /** SIGTERM (SIGKILL after `graceMs`), for the end of the run. */
  async stop(graceMs = 5_000): Promise<void> {
    this.closed = true;
    const child = this.child;
    if (!child || !this.running) return;
    this.expectingExit = true;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await gone;
    clearTimeout(killer);
  }

  async close(): Promise<void> {
    await this.stop();
    await new Promise<void>((resolve) => this.out.end(resolve));
  }

  private remember(line: string): void {
    this.tail.push(line.length > 500 ? `${line.slice(0, 500)}…` : line);
    if (this.tail.length > TAIL) this.tail.shift();
  }

  private exited(child: ChildProcess, pid: number, code: number | null, signal: NodeJS.Signals | null): void {
    this.out.write(`--- ${new Date().toISOString()} pid ${pid} exited (${signal ?? code})\n`);
    if (this.expectingExit || this.closed || child !== this.child) return;
    const exit: UnexpectedExit = { name: this.options.name, pid, code, signal, at: this.options.clock(), lastLines: this.tail.slice(-15) };
    this.unexpectedExits.push(exit);
    this.options.onUnexpectedExit?.(exit);
    const restart = this.options.restartOnUnexpectedExit;
    if (!restart) return;
    setTimeout(() => {
      if (this.closed || this.running) return;
      this.start().then(
        (ms) => this.options.log?.(`${this.options.name} started again by the supervisor (pid ${this.pid}, ready after ${(ms / 1000).toFixed(1)} s)`),
        (err: unknown) => this.options.log?.(`${this.options.name} could not be started again: ${(err as Error).message}`),
      );
    }, restart.afterMs).unref();
  }
}

export async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
