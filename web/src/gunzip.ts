/**
 * A status list's bits from their gzip: exactly `length` bytes, or an error. Inflated by the
 * browser's own zlib (DecompressionStream), fed and read directly, without a Blob or a
 * Response around it: in a page that has just loaded that takes about 5 ms for a list of 2^20
 * certificates, where loading fflate takes 11 ms before its inflate takes 11 more (the bench
 * machine's Chromium; a Response around the stream costs 25 ms on its first use). zlib is also
 * the strict reader: it checks the trailer's CRC-32 and length, and refuses bytes after the
 * gzip member.
 *
 * Browsers without it (Safari before 16.4, Firefox before 113) inflate with fflate, loaded then
 * (gunzip-fallback.ts); the first check (boot.ts) carries no fallback and steps aside for the
 * full check there (first-check-fallbacks.ts).
 *
 * Output beyond `length` is refused as it comes: a list that inflates without bound is never
 * held in memory.
 */
export async function gunzipExactly(
  bytes: Uint8Array<ArrayBuffer>,
  length: number,
): Promise<Uint8Array> {
  if (typeof DecompressionStream !== 'function')
    return (await import('./gunzip-fallback.ts')).gunzipFallback(bytes, length);
  const stream = new DecompressionStream('gzip');
  const writer = stream.writable.getWriter();
  // A refused input fails both sides; the reader's failure is the one that answers.
  writer.write(bytes).catch(() => undefined);
  writer.close().catch(() => undefined);
  const reader = stream.readable.getReader();
  const bits = new Uint8Array(length);
  let filled = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (value.length > length - filled) {
      reader.cancel().catch(() => undefined);
      throw new Error('the list inflates beyond its size');
    }
    bits.set(value, filled);
    filled += value.length;
  }
  if (filled !== length) throw new Error('the list does not inflate to its size');
  return bits;
}
