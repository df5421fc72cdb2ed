/**
 * The page's check of the public issuance log, online, after the verdict is on screen: the
 * newest checkpoint (signed by the log key the trust list names, with its witness quorum),
 * proved consistent with the largest checkpoint this device saw before (a log showing
 * different histories to different people is caught), then the certificate's inclusion at
 * the index its QR carries, from the tiles that cover it. Requests name the checkpoint and
 * tiles only (a tile covers 256 entries): never the certificate, its digits or its hash.
 * Offline, the page says what it saw last.
 */
import { toHex } from '../../shared/bytes.ts';
import {
  advanceCheckpoint,
  openLogCheckpoint,
  proveInclusion,
  type LogPolicy,
  type TileFetch,
  type TrustedCheckpoint,
} from '../../shared/tlog/client.ts';
import { certificateLeaf } from '../../shared/tlog/entry.ts';
import type { Verified } from '../../shared/verify-core.ts';
import type { LogInfo } from './log-info.ts';

export * from './log-info.ts';

const CHECKPOINT_KEY = 'hallmark.log-checkpoint';
const PROVEN_KEY = 'hallmark.log-proven';
/** Certificates remembered as proved (the newest), for offline visits. */
const MAX_PROVEN = 200;

function read<T>(key: string): T | undefined {
  try {
    return (JSON.parse(localStorage.getItem(key) ?? 'null') as T | null) ?? undefined;
  } catch {
    return undefined;
  }
}

function write(key: string, value: unknown): void {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // storage full or disabled: remembered for this visit only
  }
}

/** The checkpoint remembered, re-opened under the policy (storage is not trusted). */
function held(policy: LogPolicy): { checkpoint: TrustedCheckpoint; at: number } | undefined {
  const saved = read<{ note: string; at: number }>(CHECKPOINT_KEY);
  if (!saved || typeof saved.note !== 'string') return undefined;
  try {
    return { checkpoint: openLogCheckpoint(saved.note, { ...policy, quorum: 0 }), at: saved.at };
  } catch {
    return undefined;
  }
}

const tiles: TileFetch = async (path) => {
  const response = await fetch(new URL(`log/${path}`, document.baseURI), {
    credentials: 'omit',
    signal: AbortSignal.timeout(4000),
  });
  if (!response.ok) throw new Error(`log ${path}: ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
};

/** What the log says of a verified certificate. Never throws. */
export async function checkLog(
  verified: Verified,
  policy: LogPolicy | undefined,
): Promise<LogInfo> {
  if (!policy) return { state: 'none' };
  const { logIndex } = verified;
  if (logIndex === undefined)
    // Issued since the log started yet carrying no entry: what a forger with a stolen key makes.
    return policy.since !== undefined && verified.claims.iat >= policy.since
      ? { state: 'missing' }
      : { state: 'none' };
  const leaf = certificateLeaf(verified.jws);
  const id = toHex(leaf).slice(0, 32);
  const proven = read<Record<string, number>>(PROVEN_KEY) ?? {};
  const previous = held(policy);
  const offline = (): LogInfo => {
    const seen = proven[id];
    if (seen !== undefined)
      return { state: 'recorded', index: logIndex, size: 0, live: false, at: seen };
    return previous
      ? { state: 'unchecked', lastSize: previous.checkpoint.size, lastAt: previous.at }
      : { state: 'unchecked' };
  };
  if (!navigator.onLine) return offline();
  let fresh: TrustedCheckpoint;
  try {
    const response = await fetch(new URL('log/checkpoint', document.baseURI), {
      credentials: 'omit',
      cache: 'no-store',
      signal: AbortSignal.timeout(4000),
    });
    if (!response.ok) return offline();
    fresh = openLogCheckpoint(await response.text(), policy);
  } catch {
    return offline(); // unreachable, or a checkpoint that does not verify: not checked
  }
  let largest: TrustedCheckpoint;
  try {
    largest = await advanceCheckpoint(tiles, previous?.checkpoint, fresh);
  } catch (error) {
    // A tile that could not be fetched proves nothing either way; a failed proof is a fork.
    return (error as { code?: string }).code === 'PROOF_INVALID'
      ? { state: 'split-view' }
      : offline();
  }
  const now = Math.floor(Date.now() / 1000);
  if (largest !== previous?.checkpoint) write(CHECKPOINT_KEY, { note: largest.note, at: now });
  if (logIndex >= largest.size) return offline(); // issued after this checkpoint: not yet provable
  try {
    await proveInclusion(tiles, largest, logIndex, leaf);
  } catch (error) {
    return (error as { code?: string }).code === 'PROOF_INVALID' ? { state: 'missing' } : offline();
  }
  const kept = Object.entries({ ...proven, [id]: now })
    .sort((a, b) => b[1] - a[1])
    .slice(0, MAX_PROVEN);
  write(PROVEN_KEY, Object.fromEntries(kept));
  return { state: 'recorded', index: logIndex, size: largest.size, live: true, at: now };
}
