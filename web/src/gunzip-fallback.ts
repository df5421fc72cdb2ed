/**
 * fflate's gunzip, for browsers without DecompressionStream (see gunzip.ts): a chunk of its own,
 * loaded only there. It writes into a buffer one byte longer than the list, so that a list
 * that inflates beyond its size is refused without being held (what would not fit is dropped
 * as it is inflated). Unlike zlib it does not check the gzip trailer: only a list the brand
 * signed reaches it, so a wrong trailer is the brand's own error, never a forgery.
 */
import { gunzipSync } from 'fflate';

export function gunzipFallback(bytes: Uint8Array, length: number): Uint8Array {
  const bits = gunzipSync(bytes, { out: new Uint8Array(length + 1) });
  if (bits.length !== length) throw new Error('the list does not inflate to its size');
  return bits;
}
