/**
 * Polls until `probe` returns a truthy value, in real time (for outcomes that activities, workers or
 * browsers produce on their own clock). Bounds are generous: CI runs two test files at once on two cores,
 * beside browsers and servers; a bound is a hang detector, not a speed target.
 */
export async function eventually<T>(probe: () => Promise<T | null | undefined | false>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
