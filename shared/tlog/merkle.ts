/**
 * RFC 6962 Merkle trees, the hashing of the public issuance log: leaf and node hashes, the
 * tree head, and inclusion and consistency proofs, made (RFC 6962 §2.1.1, §2.1.2) and checked
 * (RFC 9162 §2.1.3.2, §2.1.4.2). Pure: hashes in, hashes or verdicts out.
 *
 * Sizes and indexes are plain numbers up to 2^53; bit operations are done arithmetically,
 * since JavaScript's bitwise operators stop at 32 bits.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, equalBytes } from '../bytes.ts';
import { ErrorCode, HallmarkError } from '../errors.ts';

const LEAF = Uint8Array.of(0);
const NODE = Uint8Array.of(1);

/** The hash of a log entry: SHA-256(0x00 || entry). */
export function leafHash(entry: Uint8Array): Uint8Array {
  return sha256(concatBytes(LEAF, entry));
}

/** The hash of an inner node: SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(concatBytes(NODE, left, right));
}

/** The largest power of two strictly smaller than n (n ≥ 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The Merkle Tree Hash of leaves [from, to): a tree in memory, or tiles in a store. */
export type RangeHash = (from: number, to: number) => Uint8Array;

/** Merkle Tree Hash of leaf hashes [from, to) (RFC 6962 §2.1); the empty tree is SHA-256(""). */
export function treeHash(leaves: readonly Uint8Array[], from = 0, to = leaves.length): Uint8Array {
  const n = to - from;
  if (n === 0) return sha256(new Uint8Array(0));
  if (n === 1) return leaves[from]!;
  const k = splitPoint(n);
  return nodeHash(treeHash(leaves, from, from + k), treeHash(leaves, from + k, to));
}

const inMemory =
  (leaves: readonly Uint8Array[]): RangeHash =>
  (from, to) =>
    treeHash(leaves, from, to);

/** The inclusion proof of leaf `index` in the tree of the first `size` leaves (RFC 6962 §2.1.1). */
export function inclusionProof(
  leaves: readonly Uint8Array[],
  index: number,
  size = leaves.length,
): Uint8Array[] {
  if (size > leaves.length) throw proofError(`no tree of ${size} leaves here`);
  return inclusionProofFrom(inMemory(leaves), index, size);
}

/** As `inclusionProof`, over any source of range hashes (tiles). */
export function inclusionProofFrom(hash: RangeHash, index: number, size: number): Uint8Array[] {
  if (!(index >= 0 && index < size)) throw proofError(`no leaf ${index} in a tree of ${size}`);
  const path = (m: number, from: number, to: number): Uint8Array[] => {
    const n = to - from;
    if (n <= 1) return [];
    const k = splitPoint(n);
    return m < k
      ? [...path(m, from, from + k), hash(from + k, to)]
      : [...path(m - k, from + k, to), hash(from, from + k)];
  };
  return path(index, 0, size);
}

/** The consistency proof from the tree of size `first` to the tree of size `second` (RFC 6962 §2.1.2). */
export function consistencyProof(
  leaves: readonly Uint8Array[],
  first: number,
  second = leaves.length,
): Uint8Array[] {
  if (second > leaves.length) throw proofError(`no tree of ${second} leaves here`);
  return consistencyProofFrom(inMemory(leaves), first, second);
}

/** As `consistencyProof`, over any source of range hashes (tiles). */
export function consistencyProofFrom(hash: RangeHash, first: number, second: number): Uint8Array[] {
  if (!(first >= 0 && first <= second))
    throw proofError(`no consistency proof from ${first} to ${second}`);
  if (first === 0 || first === second) return [];
  const sub = (m: number, from: number, to: number, whole: boolean): Uint8Array[] => {
    const n = to - from;
    if (m === n) return whole ? [] : [hash(from, to)];
    const k = splitPoint(n);
    return m <= k
      ? [...sub(m, from, from + k, whole), hash(from + k, to)]
      : [...sub(m - k, from + k, to, false), hash(from, from + k)];
  };
  return sub(first, 0, second, true);
}

const odd = (x: number) => x % 2 === 1;
const half = (x: number) => Math.floor(x / 2);

/** RFC 9162's step after hashing in a left sibling: shift fn and sn until fn is odd or 0. */
function climb(fn: number, sn: number): [number, number] {
  while (!odd(fn) && fn !== 0) [fn, sn] = [half(fn), half(sn)];
  return [fn, sn];
}

/**
 * Checks that `leaf` is entry `index` of the tree of `size` whose head is `root`
 * (RFC 9162 §2.1.3.2). @throws HallmarkError PROOF_INVALID
 */
export function verifyInclusion(
  index: number,
  size: number,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): void {
  if (!(Number.isSafeInteger(index) && Number.isSafeInteger(size) && index >= 0 && index < size))
    throw proofError(`leaf ${index} is not in a tree of ${size}`);
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) throw proofError('the inclusion proof is too long');
    if (odd(fn) || fn === sn) {
      r = nodeHash(p, r);
      [fn, sn] = climb(fn, sn);
    } else r = nodeHash(r, p);
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0 || !equalBytes(r, root))
    throw proofError('the inclusion proof does not lead to the tree head');
}

/**
 * Checks that the tree of `second` leaves with head `secondRoot` extends the tree of `first`
 * leaves with head `firstRoot` (RFC 9162 §2.1.4.2): the log only appended.
 * @throws HallmarkError PROOF_INVALID
 */
export function verifyConsistency(
  first: number,
  second: number,
  proof: readonly Uint8Array[],
  firstRoot: Uint8Array,
  secondRoot: Uint8Array,
): void {
  if (!(
    Number.isSafeInteger(first) &&
    Number.isSafeInteger(second) &&
    first >= 0 &&
    first <= second
  ))
    throw proofError(`no tree of ${second} can extend a tree of ${first}`);
  if (first === second) {
    if (proof.length !== 0 || !equalBytes(firstRoot, secondRoot))
      throw proofError('two tree heads of one size differ: the log forked');
    return;
  }
  if (first === 0) {
    if (proof.length !== 0) throw proofError('a consistency proof from the empty tree is empty');
    return;
  }
  const path = isPowerOfTwo(first) ? [firstRoot, ...proof] : [...proof];
  if (path.length === 0) throw proofError('the consistency proof is empty');
  let fn = first - 1;
  let sn = second - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) throw proofError('the consistency proof is too long');
    if (odd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      [fn, sn] = climb(fn, sn);
    } else sr = nodeHash(sr, c);
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0 || !equalBytes(fr, firstRoot) || !equalBytes(sr, secondRoot))
    throw proofError('the two tree heads are not consistent: the log was rewritten or forked');
}

function isPowerOfTwo(n: number): boolean {
  while (n > 1 && n % 2 === 0) n /= 2;
  return n === 1;
}

function proofError(message: string): HallmarkError {
  return new HallmarkError(ErrorCode.PROOF_INVALID, message);
}
