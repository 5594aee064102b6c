// Fault and script state of the fake OpenAI server. Faults are a FIFO with one entry per call, so a
// test can line up "hang, then 500, then succeed"; forced contents are consumed only by calls that
// succeed, so a forced "hallucination" survives the SDK's retries of an injected failure.
import type { FakeChatMessage } from './answer.js';

export type Fault =
  | { kind: 'fail'; status: number; retryAfterSeconds?: number }
  | { kind: 'hang'; ms: number };

export interface RecordedRequest {
  /** 1-based order of arrival since the last reset. */
  n: number;
  at: string;
  model: string;
  messages: FakeChatMessage[];
}

/** Bounded so a long dev session cannot grow memory without limit. */
const MAX_RECORDED = 1000;

export class FakeOpenAIControl {
  #faults: Fault[] = [];
  #forced: string[] = [];
  #requests: RecordedRequest[] = [];
  #seq = 0;

  reset(): void {
    this.#faults = [];
    this.#forced = [];
    this.#requests = [];
    this.#seq = 0;
  }

  /** The next `count` completion calls answer `status` (with retry-after when given). */
  fail(status: number, count = 1, retryAfterSeconds?: number): number {
    const fault: Fault = retryAfterSeconds === undefined ? { kind: 'fail', status } : { kind: 'fail', status, retryAfterSeconds };
    return this.#queue(this.#faults, fault, count);
  }

  /** The next `count` completion calls wait `ms` before answering normally (client timeouts fire first). */
  hang(ms: number, count = 1): number {
    return this.#queue(this.#faults, { kind: 'hang', ms }, count);
  }

  /** The next `count` successful answers have exactly this content instead of the catalog answer. */
  force(content: string, count = 1): number {
    return this.#queue(this.#forced, content, count);
  }

  requests(): RecordedRequest[] {
    return this.#requests.map((r) => ({ ...r, messages: r.messages.map((m) => ({ ...m })) }));
  }

  record(req: { model: string; messages: FakeChatMessage[] }): void {
    this.#requests.push({ n: ++this.#seq, at: new Date().toISOString(), ...req });
    if (this.#requests.length > MAX_RECORDED) this.#requests.shift();
  }

  takeFault(): Fault | undefined {
    return this.#faults.shift();
  }

  takeForced(): string | undefined {
    return this.#forced.shift();
  }

  #queue<T>(queue: T[], item: T, count: number): number {
    for (let i = 0; i < count; i++) queue.push(item);
    return queue.length;
  }
}
