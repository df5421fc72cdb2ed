/**
 * The tlog-tiles layout (C2SP tlog-tiles): which tiles a tree of a given size has, and their
 * paths. A tile holds up to 256 hashes; level-0 tiles hold leaf hashes, and each hash of a
 * level-L tile is the head of a complete subtree of 256^L leaves.
 */
import { nodeHash, splitPoint, treeHash, type RangeHash } from './merkle.ts';
export const TILE_WIDTH = 256;
export const TILE_HEIGHT = 8;

/** `<N>` of a tile path: 3-digit groups, all but the last prefixed with `x` (1234067 → x001/x234/067). */
export function tileIndexPath(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`tile index ${n}`);
  const groups: string[] = [];
  let rest = n;
  do {
    groups.unshift(String(rest % 1000).padStart(3, '0'));
    rest = Math.floor(rest / 1000);
  } while (rest > 0);
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

/** `tile/<L>/<N>[.p/<W>]` for a hash tile, `tile/entries/<N>[.p/<W>]` for an entry bundle. */
export function tilePath(level: number | 'entries', n: number, width = TILE_WIDTH): string {
  if (!(width >= 1 && width <= TILE_WIDTH)) throw new RangeError(`tile width ${width}`);
  const suffix = width === TILE_WIDTH ? '' : `.p/${width}`;
  return `tile/${level}/${tileIndexPath(n)}${suffix}`;
}

/** Every tile of a tree of `size` leaves, by level: full ones, then the partial one if any. */
export function tilesOf(size: number): { level: number; n: number; width: number }[] {
  const tiles: { level: number; n: number; width: number }[] = [];
  for (let level = 0, span = 1; size >= span; level++, span *= TILE_WIDTH) {
    const hashes = Math.floor(size / span); // complete subtrees of 256^level leaves
    const full = Math.floor(hashes / TILE_WIDTH);
    for (let n = 0; n < full; n++) tiles.push({ level, n, width: TILE_WIDTH });
    if (hashes % TILE_WIDTH > 0) tiles.push({ level, n: full, width: hashes % TILE_WIDTH });
  }
  return tiles;
}

/**
 * The Merkle Tree Hash of any range of leaves, from the hashes tiles hold: `stored(L, k)` is
 * the head of the complete subtree of leaves [k·256^L, (k+1)·256^L). Perfect, aligned ranges
 * come from one stored hash (or a few, hashed together); others are split as RFC 6962 splits.
 */
export function tiledRangeHash(stored: (level: number, index: number) => Uint8Array): RangeHash {
  const perfect = (from: number, size: number): Uint8Array => {
    let level = 0;
    let span = 1;
    while (span * TILE_WIDTH <= size) [level, span] = [level + 1, span * TILE_WIDTH];
    const first = from / span;
    if (size === span) return stored(level, first);
    return treeHash(Array.from({ length: size / span }, (_, i) => stored(level, first + i)));
  };
  const range = (from: number, to: number): Uint8Array => {
    const n = to - from;
    if (n === 0) return treeHash([]);
    if ((n & (n - 1)) === 0 && n <= 2 ** 30 && from % n === 0) return perfect(from, n);
    const k = n > 1 ? splitPoint(n) : 1;
    return nodeHash(range(from, from + k), range(from + k, to));
  };
  return range;
}

/**
 * Parses `<L>/<N>[.p/<W>]` or `entries/<N>[.p/<W>]` (the part after `tile/`) strictly: the
 * canonical N of `tileIndexPath` only, W from 1 to 255. Returns undefined for anything else.
 */
export function parseTilePath(
  path: string,
): { level: number | 'entries'; n: number; width: number } | undefined {
  const m =
    /^(entries|[0-9]|[1-5][0-9]|6[0-3])\/((?:x[0-9]{3}\/)*[0-9]{3})(?:\.p\/([0-9]{1,3}))?$/.exec(
      path,
    );
  if (!m) return undefined;
  const n = Number(m[2]!.replaceAll('x', '').replaceAll('/', ''));
  if (!Number.isSafeInteger(n) || tileIndexPath(n) !== m[2]) return undefined;
  const width = m[3] === undefined ? TILE_WIDTH : Number(m[3]);
  if (!(width >= 1 && width < TILE_WIDTH) && m[3] !== undefined) return undefined;
  if (m[3] !== undefined && String(width) !== m[3]) return undefined;
  return { level: m[1] === 'entries' ? 'entries' : Number(m[1]), n, width };
}
