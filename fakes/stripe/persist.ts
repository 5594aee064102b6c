// Optional state file: loaded at start, saved after changes so a dev restart keeps customers and
// subscriptions (the app's database still points at them). Saves are debounced (a checkout completion
// changes a dozen records in one go) and atomic: write a temp file, then rename over the old one, so a
// crash mid-write never leaves half a JSON file behind.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { FakeStripeState, StateSnapshot } from './state.js';

export class StatePersister {
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly state: FakeStripeState,
    private readonly file: string,
    private readonly debounceMs = 50,
    private readonly log?: (line: string) => void,
  ) {}

  /** Load the file when it exists; a missing file is a fresh start, a corrupt one is an error. */
  load(): boolean {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
    const snap = JSON.parse(text) as StateSnapshot;
    if (snap.version !== 1) throw new Error(`${this.file}: unknown state file version ${String(snap.version)}`);
    this.state.restore(snap);
    return true;
  }

  /** Subscribe to state changes. */
  attach(): void {
    this.state.onChange(() => this.schedule());
  }

  schedule(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.saveNow();
    }, this.debounceMs);
  }

  saveNow(): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      writeFileSync(tmp, JSON.stringify(this.state.snapshot()));
      renameSync(tmp, this.file);
    } catch (err) {
      this.log?.(`state file not saved: ${(err as Error).message}`);
    }
  }

  /** Write any pending change now and stop listening (server close). */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
      this.saveNow();
    }
    this.closed = true;
  }
}
