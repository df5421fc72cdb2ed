/**
 * Building and caching the signed status lists. A list is rebuilt when its version in the
 * registry changed (any process may have changed a status) or when half its time-to-live has
 * passed, so many changes between two requests cost one build (coalesced), and a list served
 * is never older than the last change by more than one request.
 */
import { gzipSync } from 'node:zlib';
import { toBase64url } from '../../shared/bytes.ts';
import { signCompactJws } from '../../shared/jws.ts';
import {
  setStatus,
  STATUS_LIST_TYP,
  type CertificateStatus,
  type StatusListPayload,
} from '../../shared/status-list.ts';
import type { Registry } from '../registry/registry.ts';

export interface BuiltList {
  jws: string;
  version: number;
  builtAt: number;
  entries: number;
}

/** Default time-to-live written into lists: one day. */
export const STATUS_LIST_TTL = 86_400;

export function statusLists(
  registry: Registry,
  options: { ttl?: number; onBuild?: (brand: string, seconds: number) => void } = {},
) {
  const { db, keys } = registry;
  const ttl = options.ttl ?? STATUS_LIST_TTL;
  const listRow = db.prepare('SELECT id, size, version, brand FROM status_lists WHERE id = ?');
  const nonActive = db.prepare(
    "SELECT status_index, status FROM certificates WHERE status != 'active' AND status_index >= ? AND status_index < ?",
  );
  const cache = new Map<number, BuiltList>();

  /** Builds list `id` from the registry now. */
  const build = (id: number): BuiltList | undefined => {
    const list = listRow.get(id) as
      { id: number; size: number; version: number; brand: string | null } | undefined;
    if (!list?.brand) return undefined;
    const started = performance.now();
    const bits = new Uint8Array(list.size / 4);
    let entries = 0;
    for (const row of nonActive.iterate(id * list.size, (id + 1) * list.size) as IterableIterator<{
      status_index: number;
      status: CertificateStatus;
    }>) {
      setStatus(bits, row.status_index - id * list.size, row.status);
      entries++;
    }
    // Strictly later than the list it replaces, even within one second: pages keep the list
    // with the latest issue time, so a newer list must never look as old as the one before.
    const now = Math.max(registry.now(), (cache.get(id)?.builtAt ?? 0) + 1);
    const payload: StatusListPayload = {
      iss: list.brand,
      lst: id,
      size: list.size,
      bits: 2,
      iat: now,
      ttl,
      lst_gz: toBase64url(gzipSync(bits, { level: 9 })),
    };
    // Signed by the list's own brand: a verifier holds it to that brand's keys.
    const key = keys.active(list.brand);
    const jws = signCompactJws(
      { alg: 'Ed25519', kid: key.kid, typ: STATUS_LIST_TYP },
      JSON.stringify(payload),
      key.sign,
    );
    options.onBuild?.(list.brand, (performance.now() - started) / 1000);
    return { jws, version: list.version, builtAt: now, entries };
  };

  return {
    build,
    /** The current signed list `id` (built or from cache), or undefined when no such list exists. */
    get(id: number): BuiltList | undefined {
      const row = listRow.get(id) as { version: number } | undefined;
      if (!row) return undefined;
      const cached = cache.get(id);
      if (cached && cached.version === row.version && registry.now() - cached.builtAt < ttl / 2)
        return cached;
      const fresh = build(id);
      if (fresh) cache.set(id, fresh);
      return fresh;
    },
  };
}
