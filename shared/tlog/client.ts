/**
 * A log client over tiles (C2SP tlog-tiles): opens checkpoints under a policy (the log's key
 * and, optionally, k of n witnesses), and proves inclusion and consistency by fetching only
 * the tiles a proof needs. Nothing it fetches is trusted: every proof is checked against a
 * signed checkpoint's root. A request names tiles only (a tile covers 256 entries), never a
 * certificate or its hash.
 */
import { ErrorCode, HallmarkError } from '../errors.ts';
import { openCheckpoint, type Checkpoint } from './checkpoint.ts';
import { verifyCosignatures } from './cosignature.ts';
import {
  consistencyProofFrom,
  inclusionProofFrom,
  verifyConsistency,
  verifyInclusion,
  type RangeHash,
} from './merkle.ts';
import type { NoteVerifier } from './note.ts';
import { TILE_WIDTH, tiledRangeHash, tilePath } from './tiles.ts';

/** Fetches `<prefix>/<path>`: the bytes, or a rejection. */
export type TileFetch = (path: string) => Promise<Uint8Array>;

/** What a verifier trusts about a log. */
export interface LogPolicy {
  origin: string;
  logKey: NoteVerifier;
  witnesses: readonly NoteVerifier[];
  /** Cosignatures of distinct `witnesses` a checkpoint needs (0: the log's signature alone). */
  quorum: number;
  /** When the log started (epoch s): a certificate issued since then must be in it. */
  since?: number;
}

/** A checkpoint that passed the policy. */
export type TrustedCheckpoint = Checkpoint & { note: string; witnessedBy: string[] };

/**
 * Opens a checkpoint: the log's signature, then the quorum of witness cosignatures.
 * @throws HallmarkError NOTE_INVALID
 */
export function openLogCheckpoint(note: string, policy: LogPolicy): TrustedCheckpoint {
  const checkpoint = openCheckpoint(note, policy.origin, [policy.logKey]);
  const witnessedBy = verifyCosignatures(note, policy.witnesses)
    .map((v) => v.witness.name)
    .sort();
  if (witnessedBy.length < policy.quorum) {
    throw new HallmarkError(
      ErrorCode.NOTE_INVALID,
      `the checkpoint has ${witnessedBy.length} of the ${policy.quorum} witness cosignatures required`,
    );
  }
  return { ...checkpoint, witnessedBy };
}

/**
 * Runs `compute` over the tiles of the tree of `size`: a first pass with placeholder hashes
 * records which stored hashes it reads (the path through the tree does not depend on hash
 * values), the tiles holding them are fetched, and the second pass computes for real.
 */
async function overTiles<T>(
  size: number,
  fetchTile: TileFetch,
  compute: (range: RangeHash) => T,
): Promise<T> {
  const wanted = new Map<string, { level: number; n: number; width: number }>();
  const placeholder = new Uint8Array(32);
  compute(
    tiledRangeHash((level, index) => {
      const n = Math.floor(index / TILE_WIDTH);
      const hashesAtLevel = Math.floor(size / TILE_WIDTH ** level);
      const width = Math.min(TILE_WIDTH, hashesAtLevel - n * TILE_WIDTH);
      wanted.set(`${level}/${n}`, { level, n, width });
      return placeholder;
    }),
  );
  const tiles = new Map<string, Uint8Array>();
  await Promise.all(
    [...wanted].map(async ([id, t]) => {
      const bytes = await fetchTile(tilePath(t.level, t.n, t.width));
      if (bytes.length !== t.width * 32) {
        throw new HallmarkError(
          ErrorCode.PROOF_INVALID,
          `tile ${tilePath(t.level, t.n, t.width)} has ${bytes.length} bytes, not ${t.width * 32}`,
        );
      }
      tiles.set(id, bytes);
    }),
  );
  return compute(
    tiledRangeHash((level, index) => {
      const tile = tiles.get(`${level}/${Math.floor(index / TILE_WIDTH)}`)!;
      const at = (index % TILE_WIDTH) * 32;
      return tile.subarray(at, at + 32);
    }),
  );
}

/**
 * Proves that `leaf` is entry `index` of the checkpoint's tree, from tiles.
 * @returns the inclusion proof (checked)
 * @throws HallmarkError PROOF_INVALID
 */
export async function proveInclusion(
  fetchTile: TileFetch,
  checkpoint: Checkpoint,
  index: number,
  leaf: Uint8Array,
): Promise<Uint8Array[]> {
  if (!(Number.isSafeInteger(index) && index >= 0 && index < checkpoint.size)) {
    throw new HallmarkError(
      ErrorCode.PROOF_INVALID,
      `entry ${index} is not in the log's tree of ${checkpoint.size} yet`,
    );
  }
  const proof = await overTiles(checkpoint.size, fetchTile, (range) =>
    inclusionProofFrom(range, index, checkpoint.size),
  );
  verifyInclusion(index, checkpoint.size, leaf, proof, checkpoint.root);
  return proof;
}

/**
 * Proves that `newer` extends `older` (the log only appended), from the newer tree's tiles.
 * @throws HallmarkError PROOF_INVALID: the log forked or rewrote itself (a split view)
 */
export async function proveConsistency(
  fetchTile: TileFetch,
  older: Checkpoint,
  newer: Checkpoint,
): Promise<Uint8Array[]> {
  if (older.size > newer.size) return proveConsistency(fetchTile, newer, older);
  const proof =
    older.size === 0 || older.size === newer.size
      ? []
      : await overTiles(newer.size, fetchTile, (range) =>
          consistencyProofFrom(range, older.size, newer.size),
        );
  verifyConsistency(older.size, newer.size, proof, older.root, newer.root);
  return proof;
}

/**
 * The larger of a remembered checkpoint and a fresh one, once they are proved consistent.
 * @throws HallmarkError PROOF_INVALID on a split view
 */
export async function advanceCheckpoint<C extends Checkpoint>(
  fetchTile: TileFetch,
  held: C | undefined,
  fresh: C,
): Promise<C> {
  if (!held) return fresh;
  await proveConsistency(fetchTile, held, fresh);
  return fresh.size >= held.size ? fresh : held;
}
