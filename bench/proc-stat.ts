// CPU seconds of processes from /proc (Linux): how the benchmarks tell where the time went. Wall time on
// a shared 2-core machine is noisy; CPU seconds per process are not.
import { readFileSync, readdirSync } from 'node:fs';

export interface ProcStat {
  pid: number;
  ppid: number;
  /** The command name (`temporal`, `postgres`, `node`…). */
  comm: string;
  /** User + system CPU seconds of the process itself. */
  cpu: number;
  /** CPU seconds of its children that have exited and been waited for (cutime + cstime). */
  exitedChildrenCpu: number;
}

const CLOCK_TICKS = 100;

/** One process's stat, or null when it has exited. */
export function procStat(pid: number): ProcStat | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command may contain spaces and parentheses: fields are counted after its last ")".
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = (i: number) => Number(fields[i]) / CLOCK_TICKS;
  return {
    pid,
    ppid: Number(fields[1]),
    comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
    cpu: ticks(11) + ticks(12),
    exitedChildrenCpu: ticks(13) + ticks(14),
  };
}

/** Every live process. */
export function allProcs(): ProcStat[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((pid) => procStat(Number(pid)) ?? []);
}
