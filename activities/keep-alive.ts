import { Context } from '@temporalio/activity';

const BEAT_MS = 5_000;

/**
 * Runs `work` while telling Temporal every few seconds that this worker is still on it, so an activity with
 * a heartbeat timeout is retried soon after its worker dies instead of after its whole start-to-close
 * timeout. Nothing to do for a local activity (its workflow task is the lease) or outside an activity (a
 * test calling the function directly).
 * The first beat comes after BEAT_MS, not at the start: the heartbeat timeout already counts from the
 * start, and a beat at once (the SDK sends the first one unthrottled) was one more server round trip and
 * history-store write for every reply, most of which finish well within BEAT_MS.
 */
export async function keepAlive<T>(work: () => Promise<T>): Promise<T> {
  const alive = currentActivity();
  if (!alive || alive.info.isLocal) return work();
  const timer = setInterval(() => alive.heartbeat(), BEAT_MS);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

function currentActivity(): Context | null {
  try {
    return Context.current();
  } catch {
    return null;
  }
}
