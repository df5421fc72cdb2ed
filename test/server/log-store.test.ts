/**
 * The issuance log's storage: what its tiles hold is the RFC 6962 tree of its entries. Roots
 * at every interesting size equal the in-memory Merkle Tree Hash; the tiles of a 70,000-entry
 * log are exactly those the tlog-tiles specification lists for that size; a root recomputed
 * from level-0 tiles alone matches; proofs made from tiles verify; checkpoints verify.
 */
import { randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openTestDatabase } from '../helpers/db.ts';
import { LogStore } from '../../server/log/log-store.ts';
import { equalBytes, utf8 } from '../../shared/bytes.ts';
import { openCheckpoint } from '../../shared/tlog/checkpoint.ts';
import {
  leafHash,
  treeHash,
  verifyConsistency,
  verifyInclusion,
} from '../../shared/tlog/merkle.ts';
import { noteSigner } from '../../shared/tlog/note.ts';
import { tilesOf } from '../../shared/tlog/tiles.ts';
import { testKey } from '../helpers/fixtures.ts';

const SIZE = 70_000;
const db = openTestDatabase();
const log = new LogStore(db);
const entries = Array.from({ length: SIZE }, (_, i) => utf8(`certificate commitment ${i}`));
const leaves = entries.map(leafHash);
const roots = new Map<number, Uint8Array>();
const checkpoints = [1, 255, 256, 257, 65_535, 65_536, 65_537, SIZE];
db.transaction(() => {
  let done = 0;
  for (const size of checkpoints) {
    log.append(entries.slice(done, size));
    done = size;
    roots.set(size, log.root());
  }
})();

describe('the log store', () => {
  it('its root at every size is the RFC 6962 Merkle Tree Hash of its entries', () => {
    for (const size of checkpoints) {
      expect(
        Buffer.from(roots.get(size)!).equals(Buffer.from(treeHash(leaves, 0, size))),
        `size ${size}`,
      ).toBe(true);
      // And the same head is found again later, from the hashes stored since.
      expect(Buffer.from(log.root(size)).equals(Buffer.from(roots.get(size)!))).toBe(true);
    }
  });

  it('serves exactly the tiles the specification lists for 70,000 entries', () => {
    for (const t of tilesOf(SIZE)) {
      const tile = log.tile(t.level, t.n, t.width);
      expect(tile?.length, `${t.level}/${t.n}.p/${t.width}`).toBe(32 * t.width);
    }
    expect(log.tile(0, 273, 113)).toBeUndefined(); // no hash beyond the tree
    expect(log.tile(2, 0, 2)).toBeUndefined();
  });

  it('a client recomputes the root from level-0 tiles and entry bundles alone', () => {
    const hashes: Uint8Array[] = [];
    const bundles: Uint8Array[] = [];
    for (const t of tilesOf(SIZE).filter((x) => x.level === 0)) {
      const tile = log.tile(0, t.n, t.width)!;
      for (let i = 0; i < t.width; i++) hashes.push(tile.subarray(i * 32, i * 32 + 32));
      const bundle = log.entryBundle(t.n, t.width)!;
      for (let at = 0; at < bundle.length;) {
        const length = bundle.readUInt16BE(at);
        bundles.push(bundle.subarray(at + 2, at + 2 + length));
        at += 2 + length;
      }
    }
    expect(bundles).toHaveLength(SIZE);
    expect(bundles.every((entry, i) => equalBytes(leafHash(entry), hashes[i]!))).toBe(true);
    expect(Buffer.from(treeHash(hashes)).equals(Buffer.from(roots.get(SIZE)!))).toBe(true);
  });

  it('inclusion and consistency proofs made from the stored hashes verify', () => {
    for (let k = 0; k < 40; k++) {
      const size = checkpoints[randomInt(0, checkpoints.length)]!;
      const index = randomInt(0, size);
      verifyInclusion(
        index,
        size,
        leaves[index]!,
        log.inclusionProof(index, size),
        roots.get(size)!,
      );
      const first = checkpoints[randomInt(0, checkpoints.length)]!;
      if (first <= size)
        verifyConsistency(
          first,
          size,
          log.consistencyProof(first, size),
          roots.get(first)!,
          roots.get(size)!,
        );
    }
  });

  it('signs checkpoints as notes that verify under the log key', () => {
    const key = testKey('log');
    const origin = 'verify.hallmark.example/log';
    const signer = noteSigner(origin, key);
    const checkpoint = db.transaction(() => log.checkpoint(origin, [signer], 1_790_000_000))();
    expect(log.latestCheckpoint()).toBe(checkpoint.note);
    const opened = openCheckpoint(checkpoint.note, origin, [signer]);
    expect(opened.size).toBe(SIZE);
    expect(Buffer.from(opened.root).equals(Buffer.from(roots.get(SIZE)!))).toBe(true);
  });
});
