/** Tiny benchmark helpers: run operations for a fixed time, report operations per second. */

/** Runs `fn` repeatedly for about `ms` milliseconds (after a short warm-up); returns ops/s. */
export function opsPerSecond(fn: () => unknown, ms = 1500): number {
  const warmUntil = performance.now() + Math.min(200, ms / 5);
  while (performance.now() < warmUntil) fn();
  let count = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 20; i++) fn();
    count += 20;
    now = performance.now();
  }
  return count / ((now - start) / 1000);
}

/**
 * Measures several operations in interleaved rounds and returns each one's median ops/s, so
 * that a reference and the code compared with it see the same machine conditions (these
 * shared 2-core machines drift by ±30 % from second to second).
 */
export function compareRates<K extends string>(
  ops: Record<K, () => unknown>,
  rounds = 7,
  ms = 300,
): Record<K, number> {
  const samples = Object.fromEntries(Object.keys(ops).map((k) => [k, [] as number[]])) as Record<
    K,
    number[]
  >;
  for (let r = 0; r < rounds; r++) {
    for (const k of Object.keys(ops) as K[]) samples[k].push(opsPerSecond(ops[k], ms));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return Object.fromEntries(
    (Object.keys(ops) as K[]).map((k) => [k, median(samples[k])]),
  ) as Record<K, number>;
}

/** Formats a number with thousands separators. */
export const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Prints a table row: label, value, and an optional note. */
export function row(label: string, value: string, note = ''): void {
  process.stdout.write(`  ${label.padEnd(46)} ${value.padStart(14)}  ${note}\n`);
}
