/**
 * The issuance log's storage (C2SP tlog-tiles over SQLite): entries, the hashes its tiles
 * hold, tree heads and proofs computed from those hashes, and signed checkpoints. `append`
 * runs in the caller's transaction, so an entry and what it stands for (a certificate)
 * commit together or not at all.
 */
import { leafHash, treeHash } from '../../shared/tlog/merkle.ts';
import {
  consistencyProofFrom,
  inclusionProofFrom,
  type RangeHash,
} from '../../shared/tlog/merkle.ts';
import { checkpointText, type Checkpoint } from '../../shared/tlog/checkpoint.ts';
import { signNote, type NoteSigner } from '../../shared/tlog/note.ts';
import { TILE_WIDTH, tiledRangeHash } from '../../shared/tlog/tiles.ts';
import type { Db } from '../db/database.ts';

/** Entries are uint16-length-prefixed in bundles (tlog-tiles). */
export const MAX_ENTRY_BYTES = 0xffff;

export class LogStore {
  private readonly insertEntry;
  private readonly insertHash;
  private readonly hashAt;
  private readonly hashesOf;
  private readonly sizeOf;
  private readonly range: RangeHash;

  constructor(private readonly db: Db) {
    this.insertEntry = db.prepare('INSERT INTO log_entries (idx, entry) VALUES (?, ?)');
    this.insertHash = db.prepare('INSERT INTO log_hashes (level, idx, hash) VALUES (?, ?, ?)');
    this.hashAt = db.prepare('SELECT hash FROM log_hashes WHERE level = ? AND idx = ?').pluck();
    this.hashesOf = db
      .prepare('SELECT hash FROM log_hashes WHERE level = ? AND idx >= ? AND idx < ? ORDER BY idx')
      .pluck();
    this.sizeOf = db.prepare('SELECT coalesce(max(idx) + 1, 0) FROM log_entries').pluck();
    this.range = tiledRangeHash((level, index) => {
      const hash = this.hashAt.get(level, index) as Buffer | undefined;
      if (!hash) throw new Error(`the log has no hash at level ${level}, index ${index}`);
      return new Uint8Array(hash);
    });
  }

  /** How many entries the log holds. */
  size(): number {
    return this.sizeOf.get() as number;
  }

  /**
   * Appends entries (in the caller's transaction): the entries, their leaf hashes, and the head
   * of every subtree of 256^L leaves they complete. Returns their indexes.
   */
  append(entries: readonly Uint8Array[]): number[] {
    let size = this.size();
    return entries.map((entry) => {
      if (entry.length > MAX_ENTRY_BYTES)
        throw new RangeError('a log entry is at most 65,535 bytes');
      const index = size++;
      this.insertEntry.run(index, entry);
      this.insertHash.run(0, index, leafHash(entry));
      // Each full tile at one level is one hash of the level above.
      for (let level = 1, done = size; done % TILE_WIDTH === 0; level++) {
        done /= TILE_WIDTH;
        const below = (
          this.hashesOf.all(level - 1, (done - 1) * TILE_WIDTH, done * TILE_WIDTH) as Buffer[]
        ).map((h) => new Uint8Array(h));
        this.insertHash.run(level, done - 1, treeHash(below));
      }
      return index;
    });
  }

  /** The head of the tree of the first `size` entries. */
  root(size = this.size()): Uint8Array {
    return this.range(0, size);
  }

  /** Tile `n` of `level` (`width` hashes: 256, or fewer for a partial tile), as served. */
  tile(level: number, n: number, width = TILE_WIDTH): Buffer | undefined {
    const hashes = this.hashesOf.all(level, n * TILE_WIDTH, n * TILE_WIDTH + width) as Buffer[];
    return hashes.length === width ? Buffer.concat(hashes) : undefined;
  }

  /** Entry bundle `n`: its entries, each prefixed with its length (uint16, big-endian). */
  entryBundle(n: number, width = TILE_WIDTH): Buffer | undefined {
    const rows = this.db
      .prepare('SELECT entry FROM log_entries WHERE idx >= ? AND idx < ? ORDER BY idx')
      .pluck()
      .all(n * TILE_WIDTH, n * TILE_WIDTH + width) as Buffer[];
    if (rows.length !== width) return undefined;
    return Buffer.concat(
      rows.flatMap((entry) => {
        const length = Buffer.alloc(2);
        length.writeUInt16BE(entry.length);
        return [length, entry];
      }),
    );
  }

  /** The inclusion proof of entry `index` in the tree of `size`, from the stored hashes. */
  inclusionProof(index: number, size = this.size()): Uint8Array[] {
    return inclusionProofFrom(this.range, index, size);
  }

  /** The consistency proof between two tree sizes, from the stored hashes. */
  consistencyProof(first: number, second = this.size()): Uint8Array[] {
    return consistencyProofFrom(this.range, first, second);
  }

  /** Signs and stores the checkpoint of the current tree (in the caller's transaction). */
  checkpoint(
    origin: string,
    signers: readonly NoteSigner[],
    now: number,
  ): Checkpoint & { note: string } {
    const size = this.size();
    const checkpoint = { origin, size, root: this.root(size) };
    const note = signNote(checkpointText(checkpoint), signers);
    this.db
      .prepare(
        'INSERT INTO log_checkpoints (size, note, at) VALUES (?, ?, ?) ON CONFLICT (size) DO NOTHING',
      )
      .run(size, note, now);
    return { ...checkpoint, note };
  }

  /** The newest signed checkpoint, or undefined. */
  latestCheckpoint(): string | undefined {
    return this.db
      .prepare('SELECT note FROM log_checkpoints ORDER BY size DESC LIMIT 1')
      .pluck()
      .get() as string | undefined;
  }
}
