// The main thread's side of the relay thread: the same interface as an in-process relay, so the webhooks
// and the conversation actions hand rows off the same way whichever runs (RELAY_THREAD).
import { Worker } from 'node:worker_threads';
import type { Env } from '../../lib/config/env.js';
import type { HandOff, Relay } from './inbound-relay.js';
import type { RelayRequest, RelayResponse } from './relay-messages.js';

export function createThreadedRelay(env: Env, log: { warn(obj: object, msg: string): void }): Relay {
  // From source (tsx), the thread loads TypeScript: give it the same loader. Compiled, it is plain JS.
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(fromSource ? './relay-thread.ts' : './relay-thread.js', import.meta.url);
  const loading = moduleLoadingArgs(process.execArgv);
  const thread = new Worker(entry, { workerData: { env }, execArgv: fromSource ? [...loading, '--import', 'tsx'] : loading });
  thread.unref();
  const waiting = new Map<number, { resolve: (count: number) => void; reject: (err: Error) => void }>();
  let next = 0;
  let exited = false;

  thread.on('message', (message: RelayResponse) => {
    if (message.type === 'log') return log.warn(message.obj, message.msg);
    const waiter = waiting.get(message.id);
    waiting.delete(message.id);
    if (message.type === 'done') waiter?.resolve(message.count);
    else waiter?.reject(new Error(message.message));
  });
  thread.on('error', (err) => log.warn({ err }, 'relay thread failed; stored hand-offs wait for the next start'));
  thread.on('exit', () => {
    exited = true;
    for (const waiter of waiting.values()) waiter.resolve(0);
    waiting.clear();
  });

  const send = (request: RelayRequest) => {
    if (!exited) thread.postMessage(request);
  };
  const ask = (type: 'sweep' | 'idle' | 'close') =>
    exited
      ? Promise.resolve(0)
      : new Promise<number>((resolve, reject) => {
          const id = next++;
          waiting.set(id, { resolve, reject });
          thread.postMessage({ type, id } satisfies RelayRequest);
        });

  return {
    handOff: (item: HandOff) => send({ type: 'handOff', item }),
    start: () => send({ type: 'start' }),
    sweep: () => ask('sweep'),
    idle: async () => void (await ask('idle')),
    async close() {
      await ask('close');
      await thread.terminate();
    },
  };
}

/** Options that take a value, and shape how modules load: a worker thread needs them as this process has them. */
const WITH_VALUE = new Set(['--require', '-r', '--import', '--loader', '--experimental-loader', '--conditions', '-C']);

/**
 * The part of this process's Node options a worker thread accepts and needs: module loading (`--import`,
 * `--require`, `--conditions`, `--experimental-…`). Everything else is left out: a worker refuses V8 flags
 * such as the API's `--max-semi-space-size` (api/node-flags.ts) with ERR_WORKER_INVALID_EXEC_ARGV, and it
 * shares the process's V8 settings anyway.
 */
export function moduleLoadingArgs(argv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const name = arg.split('=')[0]!;
    if (WITH_VALUE.has(name)) {
      kept.push(arg);
      if (!arg.includes('=') && i + 1 < argv.length) kept.push(argv[++i]!);
    } else if (arg.startsWith('--experimental-') || arg === '--no-warnings' || arg === '--enable-source-maps') {
      kept.push(arg);
    }
  }
  return kept;
}
