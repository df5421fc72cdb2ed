/**
 * The issuance log's storage (C2SP tlog-tiles over SQLite): entries with their leaf hashes
 * (the level-0 tiles), the heads of complete subtrees (higher levels), tree heads and proofs
 * computed from those hashes, and signed checkpoints. `append` runs in the caller's
 * transaction, so an entry and what it stands for (a certificate) commit together or not at
 * all; it costs one row per entry, plus one per 256 entries completed.
 */
import { certificateEntry } from '../../shared/tlog/entry.ts';
import { sha256, sha256Text } from './hash.ts';
import {
  consistencyProofFrom,
  inclusionProofFrom,
  type RangeHash,
} from '../../shared/tlog/merkle.ts';
import { checkpointText, type Checkpoint } from '../../shared/tlog/checkpoint.ts';
import { signNote, type NoteSigner } from '../../shared/tlog/note.ts';
import { TILE_WIDTH, tiledRangeHash } from '../../shared/tlog/tiles.ts';
import type { Db } from '../db/database.ts';
import { MultiRowInsert } from '../db/multi-row.ts';

/** Entries are uint16-length-prefixed in bundles (tlog-tiles). */
export const MAX_ENTRY_BYTES = 0xffff;
const LEAF_PREFIX = Buffer.of(0);
const NODE_PREFIX = Buffer.of(1);

/** The RFC 6962 head of a perfect tree (a power-of-two count of hashes), with Node's SHA-256. */
function perfectTreeHash(hashes: readonly Uint8Array[]): Uint8Array {
  let level = hashes;
  while (level.length > 1) {
    const up: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2)
      up.push(sha256(Buffer.concat([NODE_PREFIX, level[i]!, level[i + 1]!])));
    level = up;
  }
  return level[0]!;
}

export class LogStore {
  private readonly insertEntries;
  private readonly insertHash;
  private readonly hashAt: (level: number, index: number) => Buffer | undefined;
  private readonly hashesOf: (level: number, from: number, to: number) => Buffer[];
  private readonly sizeOf;
  private readonly bundleRows;
  private readonly range: RangeHash;

  constructor(private readonly db: Db) {
    this.insertEntries = new MultiRowInsert(
      db,
      'INSERT INTO log_entries (idx, leaf, certificate_id, entry)',
      '(?, ?, ?, ?)',
    );
    this.insertHash = db.prepare('INSERT INTO log_hashes (level, idx, hash) VALUES (?, ?, ?)');
    const leafAt = db.prepare('SELECT leaf FROM log_entries WHERE idx = ?').pluck();
    const hashAt = db.prepare('SELECT hash FROM log_hashes WHERE level = ? AND idx = ?').pluck();
    this.hashAt = (level: number, index: number) =>
      (level === 0 ? leafAt.get(index) : hashAt.get(level, index)) as Buffer | undefined;
    const leaves = db
      .prepare('SELECT leaf FROM log_entries WHERE idx >= ? AND idx < ? ORDER BY idx')
      .pluck();
    const hashes = db
      .prepare('SELECT hash FROM log_hashes WHERE level = ? AND idx >= ? AND idx < ? ORDER BY idx')
      .pluck();
    this.hashesOf = (level: number, from: number, to: number) =>
      (level === 0 ? leaves.all(from, to) : hashes.all(level, from, to)) as Buffer[];
    this.sizeOf = db.prepare('SELECT coalesce(max(idx) + 1, 0) FROM log_entries').pluck();
    this.bundleRows = db.prepare(
      'SELECT e.entry, c.jws FROM log_entries e LEFT JOIN certificates c ON c.id = e.certificate_id WHERE e.idx >= ? AND e.idx < ? ORDER BY e.idx',
    );
    this.range = tiledRangeHash((level, index) => {
      const hash = this.hashAt(level, index);
      if (!hash) throw new Error(`the log has no hash at level ${level}, index ${index}`);
      return new Uint8Array(hash);
    });
  }

  /** How many entries the log holds. */
  size(): number {
    return this.sizeOf.get() as number;
  }

  /**
   * Appends entries (in the caller's transaction): each entry with its leaf hash and the row it
   * stands for (`refs[i]`, a certificate id), and the head of every subtree of 256^L leaves
   * they complete. Returns their indexes.
   */
  append(entries: readonly Uint8Array[], refs?: readonly number[]): number[] {
    return this.appendAt(this.size(), entries, refs);
  }

  /**
   * As `append`, for a caller that read `size()` in this same transaction (and so knows where
   * the entries go): saves the second read on the issuing path.
   */
  appendAt(at: number, entries: readonly Uint8Array[], refs?: readonly number[]): number[] {
    const rows = entries.map((entry, i) => {
      if (entry.length > MAX_ENTRY_BYTES)
        throw new RangeError('a log entry is at most 65,535 bytes');
      // RFC 6962 leaf hash, with Node's native SHA-256: this runs for every certificate.
      const leaf = sha256(Buffer.concat([LEAF_PREFIX, entry]));
      // A certificate's entry is derived from it when served; other entries are stored.
      const ref = refs?.[i];
      return [at + i, leaf, ref ?? null, ref === undefined ? entry : null];
    });
    return this.insertRows(at, rows);
  }

  /**
   * As `appendAt`, for certificates whose leaf hashes were computed already (by the import's
   * signing threads, from the JWS they built): `leaves[i]` is certificate `certificateIds[i]`'s.
   */
  appendCertificateLeaves(
    at: number,
    leaves: readonly Uint8Array[],
    certificateIds: readonly number[],
  ): number[] {
    return this.insertRows(
      at,
      leaves.map((leaf, i) => [at + i, leaf, certificateIds[i]!, null]),
    );
  }

  /**
   * Stores entry rows (`[index, leaf hash, ref, entry]`) from index `at` on, and the head of
   * every subtree they complete.
   */
  private insertRows(at: number, rows: unknown[][]): number[] {
    this.insertEntries.run(rows);
    // Each full tile at one level is one hash of the level above, once its leaves are in.
    for (let size = at + 1; size <= at + rows.length; size++) {
      for (let level = 1, done = size; done % TILE_WIDTH === 0; level++) {
        done /= TILE_WIDTH;
        const from = (done - 1) * TILE_WIDTH;
        const below =
          level === 1
            ? // Leaves: those of these rows from memory, only earlier ones read back.
              [
                ...(from < at ? this.hashesOf(0, from, at) : []),
                ...rows.slice(Math.max(0, from - at), size - at).map((row) => row[1] as Uint8Array),
              ]
            : this.hashesOf(level - 1, from, done * TILE_WIDTH);
        this.insertHash.run(level, done - 1, perfectTreeHash(below));
      }
    }
    return rows.map((row) => row[0] as number);
  }

  /** The head of the tree of the first `size` entries. */
  root(size = this.size()): Uint8Array {
    return this.range(0, size);
  }

  /** Tile `n` of `level` (`width` hashes: 256, or fewer for a partial tile), as served. */
  tile(level: number, n: number, width = TILE_WIDTH): Buffer | undefined {
    const hashes = this.hashesOf(level, n * TILE_WIDTH, n * TILE_WIDTH + width);
    return hashes.length === width ? Buffer.concat(hashes) : undefined;
  }

  /** Entry bundle `n`: its entries, each prefixed with its length (uint16, big-endian). */
  entryBundle(n: number, width = TILE_WIDTH): Buffer | undefined {
    const rows = this.bundleRows.all(n * TILE_WIDTH, n * TILE_WIDTH + width) as {
      entry: Buffer | null;
      jws: string | null;
    }[];
    if (rows.length !== width) return undefined;
    return Buffer.concat(
      rows.flatMap((row) => {
        const entry = row.entry ?? certificateEntry(row.jws!, sha256Text);
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
