// Fault and script state of the fake OpenAI server. Faults are a FIFO with one entry per call, so a
// test can line up "hang, then 500, then succeed"; forced contents are consumed only by calls that
// succeed, so a forced "hallucination" survives the SDK's retries of an injected failure.
// Every entry can target one kind of call (`understanding`: a `turn_understanding` structured-output
// request; `draft`: any other completion) or `any` (the default), and a call takes the first entry that
// targets it, so a test can fail the understanding call while the draft succeeds, or the other way round.
import type { FakeChatMessage } from './answer.js';

/** Which call a completion request is: the turn understanding (structured output) or the reply draft. */
export type CallKind = 'understanding' | 'draft';
export type CallTarget = CallKind | 'any';
export const CALL_TARGETS = ['understanding', 'draft', 'any'] as const;

export type Fault =
  | { kind: 'fail'; status: number; retryAfterSeconds?: number; target?: CallTarget }
  | { kind: 'hang'; ms: number; target?: CallTarget };

interface Forced {
  content: string;
  target: CallTarget;
}

export interface RecordedRequest {
  /** 1-based order of arrival since the last reset. */
  n: number;
  at: string;
  model: string;
  kind: CallKind;
  /** Image parts in the request (their data is never recorded). */
  images: number;
  /** `response_format.json_schema.name` (or the format type) when one was sent. */
  responseFormat?: string;
  messages: FakeChatMessage[];
}

/** Bounded so a long dev session cannot grow memory without limit. */
const MAX_RECORDED = 1000;

export class FakeOpenAIControl {
  #faults: Fault[] = [];
  #forced: Forced[] = [];
  #requests: RecordedRequest[] = [];
  #seq = 0;
  #inventions = 0;

  reset(): void {
    this.#faults = [];
    this.#forced = [];
    this.#requests = [];
    this.#seq = 0;
    this.#inventions = 0;
  }

  /**
   * The next `count` successful draft answers state a delivery time the policies do not give (their own
   * durations moved by a week, or "Delivery takes 1-2 business days." added): what the answer check must catch.
   */
  inventDeliveryTimes(count = 1): number {
    this.#inventions += count;
    return this.#inventions;
  }

  /** Whether this draft answer should invent (consumes one). */
  takeInvention(): boolean {
    if (this.#inventions === 0) return false;
    this.#inventions -= 1;
    return true;
  }

  /** The next `count` completion calls (of `target` kind) answer `status` (with retry-after when given). */
  fail(status: number, count = 1, retryAfterSeconds?: number, target: CallTarget = 'any'): number {
    const fault: Fault = retryAfterSeconds === undefined ? { kind: 'fail', status, target } : { kind: 'fail', status, retryAfterSeconds, target };
    return this.#queue(this.#faults, fault, count);
  }

  /** The next `count` completion calls (of `target` kind) wait `ms` before answering normally (client timeouts fire first). */
  hang(ms: number, count = 1, target: CallTarget = 'any'): number {
    return this.#queue(this.#faults, { kind: 'hang', ms, target }, count);
  }

  /** The next `count` successful answers (of `target` kind) have exactly this content instead of the fake's own. */
  force(content: string, count = 1, target: CallTarget = 'any'): number {
    return this.#queue(this.#forced, { content, target }, count);
  }

  requests(): RecordedRequest[] {
    return this.#requests.map((r) => ({ ...r, messages: r.messages.map((m) => ({ ...m })) }));
  }

  record(req: Omit<RecordedRequest, 'n' | 'at'>): void {
    this.#requests.push({ n: ++this.#seq, at: new Date().toISOString(), ...req });
    if (this.#requests.length > MAX_RECORDED) this.#requests.shift();
  }

  /** The first queued fault for this kind of call (`any` entries match every call). */
  takeFault(kind: CallKind = 'draft'): Fault | undefined {
    return take(this.#faults, (f) => targets(f.target ?? 'any', kind));
  }

  takeForced(kind: CallKind = 'draft'): string | undefined {
    return take(this.#forced, (f) => targets(f.target, kind))?.content;
  }

  #queue<T>(queue: T[], item: T, count: number): number {
    for (let i = 0; i < count; i++) queue.push(item);
    return queue.length;
  }
}

function targets(target: CallTarget, kind: CallKind): boolean {
  return target === 'any' || target === kind;
}

function take<T>(queue: T[], match: (item: T) => boolean): T | undefined {
  const i = queue.findIndex(match);
  return i < 0 ? undefined : queue.splice(i, 1)[0];
}
