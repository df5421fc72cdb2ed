/**
 * Status-list index allocation. Indexes are assigned here, never derived from the
 * certificate. Each list belongs to one brand (its key signs it) and has `size` entries (a power of two); the n-th certificate of a list
 * takes position (n · multiplier + offset) mod size with a random odd multiplier — a
 * permutation of the list — so neighbours in the list are not neighbours in production order
 * and a list position says nothing about when a watch was made.
 */
import { randomInt } from 'node:crypto';
import type { Db } from '../db/database.ts';

// Entries per status list: 2^20, about a million watches (W3C suggests ≥ 131,072 for herd
// privacy). Defined with the list format, since verifiers derive the list from it.
import { STATUS_LIST_SIZE } from '../../shared/status-list.ts';

export { STATUS_LIST_SIZE };

export class StatusIndexAllocator {
  private readonly current;
  private readonly create;
  private readonly advanceBy;

  constructor(
    db: Db,
    private readonly size = STATUS_LIST_SIZE,
  ) {
    this.current = db.prepare(
      'SELECT * FROM status_lists WHERE brand = ? AND next_seq < size ORDER BY id LIMIT 1',
    );
    this.advanceBy = db.prepare('UPDATE status_lists SET next_seq = next_seq + ? WHERE id = ?');
    this.create = db.prepare(
      'INSERT INTO status_lists (id, size, multiplier, offset, brand) VALUES ((SELECT coalesce(max(id) + 1, 0) FROM status_lists), ?, ?, ?, ?) RETURNING *',
    );
  }

  /** Allocates `n` indexes of `brand`'s lists at once (bulk import). Call inside a transaction. */
  allocateMany(brand: string, n: number): number[] {
    const out: number[] = [];
    while (out.length < n) {
      type List = {
        id: number;
        size: number;
        multiplier: number;
        offset: number;
        next_seq: number;
      };
      const list =
        (this.current.get(brand) as List | undefined) ??
        (this.create.get(
          this.size,
          randomInt(this.size >> 4, this.size >> 1) * 2 + 1,
          randomInt(0, this.size),
          brand,
        ) as List);
      const take = Math.min(n - out.length, list.size - list.next_seq);
      this.advanceBy.run(take, list.id);
      for (let i = 0; i < take; i++) {
        // BigInt keeps seq · multiplier exact (both can approach 2^20).
        const seq = BigInt(list.next_seq + i);
        out.push(
          list.id * list.size +
            Number((seq * BigInt(list.multiplier) + BigInt(list.offset)) % BigInt(list.size)),
        );
      }
    }
    return out;
  }

  /** Allocates `brand`'s next index. Call inside the transaction that stores the certificate. */
  allocate(brand: string): number {
    return this.allocateMany(brand, 1)[0]!;
  }
}
