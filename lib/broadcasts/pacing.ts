// The pace of a broadcast's sends: one timeline for the whole broadcast, and a bound on how fast lost time is
// won back. Pure (the clock is passed in), so it is tested on a virtual clock (test/broadcasts/).
//
// The workflow keeps the timeline (workflows/broadcast.ts): send k is due at origin + k/rate in workflow time,
// and each batch is told how far behind that line it starts. Within the batch the pacer keeps three rules:
//  1. the timeline: send j of the batch goes no earlier than its slot (start − behind + j/rate), so the
//     broadcast never runs ahead of its rate;
//  2. a catch-up line (GCRA: a cell every 1/(CATCH_UP × rate), a tenth of a second of slack): when behind, it
//     sends at up to CATCH_UP × the rate, and a late timer (a busy machine) does not lose that slack;
//  3. a hard cap: at most floor(CATCH_UP × rate) sends in any sliding second (at least one), counted on the
//     actual send times, and carried from one batch to the next on the same worker.
// So time lost in one batch (a stall, a slow database, a round trip between batches) is won back later, at
// most 10% over the rate in any second, and nothing is thrown away: how far behind is the workflow's figure.

/** Lost time is won back at most this much faster than the rate, over any second. */
export const CATCH_UP = 1.1;
/** The catch-up line absorbs timer lateness up to about this much (a tenth of a second of sends). */
const SLACK_MS = 100;
const WINDOW_MS = 1_000;
/** The sliding second is half-open: a send exactly a second after another is outside its window (plus a µs of float). */
const WINDOW_EPSILON_MS = 0.001;

export class SendPacer {
  readonly ratePerSecond: number;
  readonly intervalMs: number;
  /** Sends allowed in any sliding second. */
  readonly perSecond: number;
  private readonly cellMs: number;
  private readonly toleranceMs: number;
  /** The actual times of the last `perSecond` sends (a ring). */
  private readonly ring: number[];
  private ringNext = 0;
  private ringCount = 0;
  /** GCRA's theoretical arrival time of the next send on the catch-up line. */
  private tat = -Infinity;
  private originMs = 0;
  private index = 0;

  constructor(ratePerSecond: number, catchUp = CATCH_UP) {
    if (!(ratePerSecond > 0)) throw new Error(`rate must be positive, got ${ratePerSecond}`);
    this.ratePerSecond = ratePerSecond;
    this.intervalMs = 1000 / ratePerSecond;
    this.perSecond = Math.max(1, Math.floor(ratePerSecond * catchUp));
    this.cellMs = this.intervalMs / catchUp;
    // A burst of at most ~a tenth of a second's sends when the line has slack (none at slow rates).
    const burst = Math.max(1, Math.ceil((ratePerSecond * catchUp * SLACK_MS) / 1000));
    this.toleranceMs = (burst - 1) * this.cellMs;
    this.ring = new Array<number>(this.perSecond).fill(-Infinity);
  }

  /** A batch begins: its first send is due `behindMs` ago on the broadcast's timeline. */
  startBatch(nowMs: number, behindMs: number): void {
    this.originMs = nowMs - Math.max(0, behindMs);
    this.index = 0;
  }

  /** The timeline slot of the batch's next send. */
  slot(): number {
    return this.originMs + this.index * this.intervalMs;
  }

  /** How far behind its slot a send now would be (negative: ahead). */
  behind(nowMs: number): number {
    return nowMs - this.slot();
  }

  /** The earliest time the next send may go. */
  nextAt(): number {
    const capped = this.ringCount >= this.perSecond ? this.ring[this.ringNext]! + WINDOW_MS + WINDOW_EPSILON_MS : -Infinity;
    return Math.max(this.slot(), this.tat - this.toleranceMs, capped);
  }

  /** Milliseconds to wait before the next send (0: now). */
  delay(nowMs: number): number {
    return Math.max(0, this.nextAt() - nowMs);
  }

  /** A send went at `nowMs`. */
  sent(nowMs: number): void {
    this.index += 1;
    this.tat = Math.max(this.tat, nowMs) + this.cellMs;
    this.ring[this.ringNext] = nowMs;
    this.ringNext = (this.ringNext + 1) % this.perSecond;
    this.ringCount = Math.min(this.perSecond, this.ringCount + 1);
  }
}

/** The most sends in any sliding second (times in ms, any order): the figure the cap above bounds. */
export function maxPerSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let from = 0;
  for (let to = 0; to < sorted.length; to++) {
    while (sorted[from]! <= sorted[to]! - WINDOW_MS) from++;
    best = Math.max(best, to - from + 1);
  }
  return best;
}
