/**
 * Status-list index allocation. Indexes are assigned here, never derived from the certificate
 * (signature bytes are malleable in some schemes). Each list belongs to one brand (its key
 * signs it) and has `size` entries, a power of two; the n-th certificate of a list takes
 * position P(n), where P is a keyed pseudo-random permutation of the list: an 8-round Feistel
 * network whose round functions are tables drawn from HMAC-SHA256 under a sealed registry
 * secret and the list number. Without the secret, positions say nothing about production
 * order or volume, however many certificates one collects (the affine map used before,
 * n·m + c, gave both away from six cards: test/status/status-index.test.ts runs that attack).
 * Lists made with the affine map keep their indexes and take no new ones.
 */
import { createHash, createHmac } from 'node:crypto';
import type { Db } from '../db/database.ts';
import type { SecretStore } from './secrets.ts';

// Entries per status list: 2^20, about a million watches (W3C suggests ≥ 131,072 for herd
// privacy). Defined with the list format, since verifiers derive the list from it.
import { STATUS_LIST_SIZE } from '../../shared/status-list.ts';

export { STATUS_LIST_SIZE };

/** The permutation scheme of lists made from now on. */
export const PERMUTATION = 'feistel-v1';
const ROUNDS = 8;

interface List {
  id: number;
  size: number;
  next_seq: number;
}

/**
 * The keyed permutation of [0, size) for one list. Balanced Feistel on 2·h bits (h = half the
 * bits, rounded up); when the size has an odd number of bits, cycle-walking keeps the result
 * in range. Exported for the tests.
 */
export function listPermutation(
  secret: Uint8Array,
  list: number,
  size: number,
): (n: number) => number {
  const bits = Math.log2(size);
  if (!Number.isInteger(bits) || bits < 2 || bits > 30)
    throw new RangeError(`list size ${size} is not a power of two from 4 to 2^30`);
  const half = Math.ceil(bits / 2);
  const mask = (1 << half) - 1;
  // Round functions as tables: 2^half entries each, from HMAC-SHA256(secret, list, round) in
  // counter mode. One table lookup per round keeps allocation fast for bulk imports.
  const tables = Array.from({ length: ROUNDS }, (_, round) => {
    const seed = createHmac('sha256', secret).update(`status-index/v1/${list}/${round}`).digest();
    const table = new Uint32Array(1 << half);
    for (let block = 0; block * 8 < table.length; block++) {
      const bytes = createHash('sha256').update(seed).update(String(block)).digest();
      for (let i = 0; i < 8 && block * 8 + i < table.length; i++)
        table[block * 8 + i] = bytes.readUInt32BE(i * 4) & mask;
    }
    return table;
  });
  const once = (x: number) => {
    let left = x >>> half;
    let right = x & mask;
    for (const table of tables) [left, right] = [right, left ^ table[right]!];
    return left * (mask + 1) + right;
  };
  return (n: number) => {
    if (!Number.isInteger(n) || n < 0 || n >= size)
      throw new RangeError(`${n} is not in [0, ${size})`);
    let x = once(n);
    while (x >= size) x = once(x); // cycle-walking: a permutation of [0, size) (odd bit counts)
    return x;
  };
}

/** A status index and the allocation it is the permutation of (unique per certificate). */
export interface Allocation {
  index: number;
  list: number;
  seq: number;
}

export class StatusIndexAllocator {
  private readonly current;
  private readonly create;
  private readonly advanceBy;
  private readonly permutations = new Map<number, (n: number) => number>();

  constructor(
    db: Db,
    private readonly secrets: SecretStore,
    private readonly now: () => number,
    private readonly size = STATUS_LIST_SIZE,
  ) {
    this.current = db.prepare(
      `SELECT id, size, next_seq FROM status_lists WHERE brand = ? AND permutation = '${PERMUTATION}' AND next_seq < size ORDER BY id LIMIT 1`,
    );
    this.advanceBy = db.prepare('UPDATE status_lists SET next_seq = next_seq + ? WHERE id = ?');
    this.create = db.prepare(
      `INSERT INTO status_lists (id, size, multiplier, "offset", brand, permutation) VALUES ((SELECT coalesce(max(id) + 1, 0) FROM status_lists), ?, 0, 0, ?, '${PERMUTATION}') RETURNING id, size, next_seq`,
    );
  }

  /**
   * Allocates `n` indexes of `brand`'s lists at once, each with its allocation (list and
   * sequence number), which the certificate row records and keeps unique. Call inside the
   * transaction that stores the certificates (or reserves indexes for them).
   */
  reserve(brand: string, n: number): Allocation[] {
    const out: Allocation[] = [];
    while (out.length < n) {
      const list =
        (this.current.get(brand) as List | undefined) ??
        (this.create.get(this.size, brand) as List);
      const take = Math.min(n - out.length, list.size - list.next_seq);
      this.advanceBy.run(take, list.id);
      const position = this.permutationOf(list);
      for (let i = 0; i < take; i++) {
        const seq = list.next_seq + i;
        out.push({ index: list.id * list.size + position(seq), list: list.id, seq });
      }
    }
    return out;
  }

  /** `n` indexes of `brand`'s lists (as `reserve`, without the allocations). */
  allocateMany(brand: string, n: number): number[] {
    return this.reserve(brand, n).map((a) => a.index);
  }

  /** Allocates `brand`'s next index. Call inside the transaction that stores the certificate. */
  allocate(brand: string): number {
    return this.allocateMany(brand, 1)[0]!;
  }

  private permutationOf(list: List): (n: number) => number {
    let permutation = this.permutations.get(list.id);
    if (!permutation) {
      const secret = this.secrets.get('status-index', this.now());
      permutation = listPermutation(secret, list.id, list.size);
      this.permutations.set(list.id, permutation);
    }
    return permutation;
  }
}
