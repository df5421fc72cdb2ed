/** The server's native certificate leaf (the import's signing threads compute it) against the shared definition. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { certificateLeaf } from '../../shared/tlog/entry.ts';
import { certificateLeafOf } from '../../server/log/certificate-leaf.mjs';

describe('certificateLeafOf', () => {
  it("equals the shared definition (noble's SHA-256 of 0x00 || 0x01 || SHA-256(JWS)) on any text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 600, unit: 'grapheme' }), (jws) => {
        expect(Buffer.from(certificateLeafOf(jws))).toEqual(Buffer.from(certificateLeaf(jws)));
      }),
      { numRuns: 2_000 },
    );
  });
});
