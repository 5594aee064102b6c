// One machine runs everything in `npm run dev` (and the benchmarks that mirror it). Answering Twilio is
// latency work: a webhook must be acknowledged in milliseconds. Running workflows and replies is throughput
// work: it may take a few ms longer. So the worker and the Temporal server run at a lower CPU priority
// (`nice`), and when the machine is saturated the API's acks still get a core at once. Production runs
// them on separate hosts, where this does not apply.
import { existsSync } from 'node:fs';

const NICE = '/usr/bin/nice';
/** Niceness of background processes: a clear preference for the API, without starving them when idle. */
export const BACKGROUND_NICENESS = 10;

/** The command and arguments that run `command` at background priority (unchanged where `nice` is missing). */
export function asBackground(command: string, args: string[]): { command: string; args: string[] } {
  if (process.platform === 'win32' || !existsSync(NICE)) return { command, args };
  return { command: NICE, args: ['-n', String(BACKGROUND_NICENESS), command, ...args] };
}
