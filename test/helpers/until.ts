/**
 * Waits until `done()` holds, checking every `stepMs`, for at most `timeoutMs`: a test that
 * needs "enough happened" (answers of a burst, say) counts rather than sleeps, so a slow
 * machine waits longer instead of failing. Returns whether `done()` held; the test's own
 * assertions say what was expected.
 */
export async function until(
  done: () => boolean,
  timeoutMs = 60_000,
  stepMs = 20,
): Promise<boolean> {
  for (const start = Date.now(); !done();) {
    if (Date.now() - start >= timeoutMs) return false;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return true;
}
