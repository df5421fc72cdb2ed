/**
 * Status-list indexes must not leak production order or volume. The attack from issue 10,
 * run for real: from certificates in issue order, brute-force the odd multipliers m of an
 * affine map (index = seq·m + c mod 2^20) and keep those under which every gap between two
 * cards is a plausible count of watches made in between. Against the affine allocator of
 * before (the positive control) it recovers m and the exact counts; against the keyed
 * permutation it recovers nothing.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { listPermutation, STATUS_LIST_SIZE } from '../../server/registry/status-index.ts';
import { IssuingService } from '../../server/issuing/issuing-service.ts';
import { parseWatchInput } from '../../shared/watch-input.ts';
import { testService, watchBody } from '../helpers/service.ts';

const SIZE = STATUS_LIST_SIZE; // 2^20, as in production
const MASK = SIZE - 1;

/** (a · b) mod 2^20 exactly: both operands < 2^20, so the product is < 2^40, exact in a double. */
const mulmod = (a: number, b: number) => (a * b) % SIZE;

/** The inverse of odd m modulo 2^20 (Newton–Hensel: each step doubles the correct bits). */
function inverse(m: number): number {
  let x = m;
  for (let i = 0; i < 5; i++) x = mulmod(x, (2 + SIZE - mulmod(m, x)) & MASK);
  return x;
}

/**
 * Every odd m under which the cards' positions (in issue order) are explained by increasing
 * production counts below `plausible`; with each, the counts it implies.
 */
function attack(positions: number[], plausible: number): { m: number; counts: number[] }[] {
  const found: { m: number; counts: number[] }[] = [];
  const diffs = positions.slice(1).map((p) => (p - positions[0]! + SIZE) & MASK);
  for (let m = 1; m < SIZE; m += 2) {
    const inv = inverse(m);
    let last = 0;
    const counts: number[] = [];
    for (const d of diffs) {
      const n = mulmod(d, inv);
      if (n <= last || n > plausible) break;
      counts.push((last = n));
    }
    if (counts.length === diffs.length) found.push({ m, counts });
  }
  return found;
}

/** 20 cards out of `issued` certificates, in issue order. */
function sample(issued: number): number[] {
  const picks = new Set<number>();
  while (picks.size < 20) picks.add(randomInt(0, issued));
  return [...picks].sort((a, b) => a - b);
}

describe('status-list indexes', () => {
  it('the affine map of before gives away the multiplier and the exact production counts (control)', () => {
    const m = randomInt(SIZE >> 4, SIZE >> 1) * 2 + 1;
    const c = randomInt(0, SIZE);
    const seqs = sample(5000);
    const found = attack(
      seqs.map((s) => (mulmod(s, m) + c) & MASK),
      50_000,
    );
    expect(found.map((f) => f.m)).toContain(m);
    expect(found.find((f) => f.m === m)!.counts).toEqual(seqs.slice(1).map((s) => s - seqs[0]!));
  });

  it('the keyed permutation of the registry leaves the same attack with nothing', () => {
    const svc = testService();
    const indexes = svc.registry.db.transaction(() =>
      svc.registry.statusIndex.allocateMany('HUB', 5000),
    )();
    expect(new Set(indexes).size).toBe(5000);
    const seqs = sample(5000);
    const positions = seqs.map((s) => indexes[s]! % SIZE);
    const found = attack(positions, 50_000);
    // No multiplier explains the cards; and whatever a chance survivor says, it is not the truth.
    const truth = seqs.slice(1).map((s) => s - seqs[0]!);
    expect(found.filter((f) => JSON.stringify(f.counts) === JSON.stringify(truth))).toEqual([]);
    expect(found.length).toBeLessThanOrEqual(1);
  });

  it('is a permutation of each list, for even and odd bit counts; another list or key, another permutation', () => {
    const secret = randomBytes(32);
    for (const size of [1024, 2048, SIZE]) {
      const p = listPermutation(secret, 7, size);
      const seen = new Uint8Array(size);
      let bad = 0;
      for (let n = 0; n < size; n++) {
        const x = p(n);
        if (!(x >= 0 && x < size && seen[x] === 0)) bad++;
        seen[x] = 1;
      }
      expect(bad, `size ${size}`).toBe(0);
    }
    const first = (perm: (n: number) => number) => Array.from({ length: 16 }, (_, n) => perm(n));
    expect(first(listPermutation(secret, 7, SIZE))).toEqual(
      first(listPermutation(secret, 7, SIZE)),
    );
    expect(first(listPermutation(secret, 8, SIZE))).not.toEqual(
      first(listPermutation(secret, 7, SIZE)),
    );
    expect(first(listPermutation(randomBytes(32), 7, SIZE))).not.toEqual(
      first(listPermutation(secret, 7, SIZE)),
    );
    expect(() => listPermutation(secret, 0, 1000)).toThrow(/power of two/);
  });

  it('the key is sealed in the registry; lists made before keep their indexes and take no new ones', () => {
    const svc = testService();
    const { db } = svc.registry;
    // A list of the old affine kind, half full.
    db.prepare(
      'INSERT INTO status_lists (id, size, multiplier, "offset", next_seq, brand) VALUES (40, 1024, 5, 3, 10, \'HUB\')',
    ).run();
    const next = db.transaction(() => svc.registry.statusIndex.allocate('HUB'))();
    expect(Math.floor(next / SIZE)).not.toBe(40);
    expect(db.prepare('SELECT next_seq FROM status_lists WHERE id = 40').pluck().get()).toBe(10);
    const sealed = db
      .prepare("SELECT sealed FROM registry_secrets WHERE name = 'status-index'")
      .pluck()
      .get() as string;
    expect(JSON.parse(sealed)).toMatchObject({ kdf: 'scrypt' });
    const secret = Buffer.from(svc.registry.secrets.get('status-index', svc.clock.now));
    for (const form of [
      secret.toString('hex'),
      secret.toString('base64url'),
      secret.toString('base64'),
    ])
      expect(JSON.stringify(db.prepare('SELECT * FROM registry_secrets').all())).not.toContain(
        form,
      );
  });

  it('each certificate records its allocation, which the database keeps unique', () => {
    const svc = testService({ statusListSize: 16 });
    const { db } = svc.registry;
    const watch = (serial: string) => parseWatchInput(watchBody({ serial }));
    // 20 watches over two lists of 16: every index is its allocation's permutation.
    const issuing = new IssuingService(svc.registry);
    for (let i = 0; i < 20; i++) issuing.issue(watch(`SEQ${i}`), 'HUB', 'test');
    const rows = db
      .prepare('SELECT status_index, status_list, status_seq FROM certificates ORDER BY id')
      .all() as { status_index: number; status_list: number; status_seq: number }[];
    expect(rows.map((r) => r.status_seq)).toEqual([...Array(16).keys(), 0, 1, 2, 3]);
    expect(new Set(rows.map((r) => r.status_list)).size).toBe(2);
    const secret = svc.registry.secrets.get('status-index', svc.clock.now);
    for (const r of rows)
      expect(r.status_index).toBe(
        r.status_list * 16 + listPermutation(secret, r.status_list, 16)(r.status_seq),
      );
    // A second certificate on an allocation already taken is refused by the database itself.
    const copy = db.prepare(
      "INSERT INTO certificates (issuer, serial, generation, status_index, status_list, status_seq, kid, claims, jws, issued_at) SELECT issuer, 'OTHER1', 1, status_index + 1, status_list, status_seq, kid, claims, jws, issued_at FROM certificates WHERE id = 1",
    );
    expect(() => copy.run()).toThrow(
      /UNIQUE constraint failed: certificates.status_list|duplicate key value violates unique constraint "certificates_status_list_status_seq_key"/,
    );
    // And the allocation of a certificate never changes.
    expect(() => db.prepare('UPDATE certificates SET status_seq = 99 WHERE id = 1').run()).toThrow(
      /never changes/,
    );
  });
});
