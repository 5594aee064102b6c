// An upload holds a database connection (and its staging transaction) for as long as its file takes to
// arrive, and the catalog pool is small: a handful of uploads dripping a byte a second would hold every
// connection and stall every other shop's upload. So a file must keep arriving at a minimum rate, and
// finish within an overall deadline; a slower one is cut off with a 408 and its transaction rolled back.
import { CatalogFileError } from './errors.js';

export interface TransferLimits {
  /** Averaged over each check window; well below any real link (a 200 MB file at this rate is ~3 h). */
  minBytesPerSecond: number;
  /** How often the rate is checked, and the window it is averaged over. */
  windowMs: number;
  /** The whole upload, however fast it goes. */
  deadlineMs: number;
}


/**
 * Yields the body's chunks as they come, and fails with `upload_too_slow` when fewer than
 * `minBytesPerSecond × windowMs` bytes arrived in a window, or the deadline passed. `abort` is called
 * first, so the caller can destroy the request stream (a pending read never resolves on its own).
 */
export async function* withTransferLimits<T extends Uint8Array | string>(
  body: AsyncIterable<T>,
  limits: TransferLimits,
  abort: (error: Error) => void,
): AsyncGenerator<T> {
  const iterator = body[Symbol.asyncIterator]();
  const started = Date.now();
  let windowStart = started;
  let windowBytes = 0;
  let failure: CatalogFileError | null = null;
  let fail: (error: CatalogFileError) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => undefined);

  const check = setInterval(() => {
    const now = Date.now();
    const elapsed = now - windowStart;
    if (now - started > limits.deadlineMs) {
      failure = new CatalogFileError('upload_too_slow', `The upload did not finish within ${Math.round(limits.deadlineMs / 60_000)} minutes. Upload it again on a faster connection, or split the file.`);
    } else if (elapsed >= limits.windowMs && windowBytes < (limits.minBytesPerSecond * elapsed) / 1000) {
      failure = new CatalogFileError('upload_too_slow', `The upload is arriving too slowly (under ${Math.round(limits.minBytesPerSecond / 1024)} KB/s) and was stopped. Upload it again on a better connection.`);
    }
    if (elapsed >= limits.windowMs) {
      windowStart = now;
      windowBytes = 0;
    }
    if (failure) {
      clearInterval(check);
      abort(failure);
      fail(failure);
    }
  }, Math.min(limits.windowMs, 1_000));
  check.unref();

  try {
    for (;;) {
      const next = await Promise.race([iterator.next(), failed]);
      if (next.done) return;
      windowBytes += typeof next.value === 'string' ? Buffer.byteLength(next.value) : next.value.byteLength;
      yield next.value;
    }
  } finally {
    clearInterval(check);
    if (failure) await iterator.return?.().catch(() => undefined);
  }
}
