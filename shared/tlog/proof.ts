/**
 * The C2SP tlog-proof form: an offline proof that an entry is in the log, for retailers and
 * archives. `c2sp.org/tlog-proof@v1`, an optional `extra` line, `index N`, the inclusion
 * proof (base64, one hash a line), an empty line, then the checkpoint verbatim.
 */
import { ErrorCode, HallmarkError } from '../errors.ts';
import { openLogCheckpoint, type LogPolicy, type TrustedCheckpoint } from './client.ts';
import { verifyInclusion } from './merkle.ts';
import { b64, unb64 } from './note.ts';

const HEADER = 'c2sp.org/tlog-proof@v1';
/** A proof of a 2^63 tree has 63 hashes; anything longer is junk. */
const MAX_PROOF_HASHES = 63;

export interface TlogProof {
  index: number;
  proof: Uint8Array[];
  /** The signed checkpoint (note), cosignatures included. */
  checkpoint: string;
  extra?: Uint8Array;
}

export function formatTlogProof(p: TlogProof): string {
  const lines = [HEADER];
  if (p.extra) lines.push(`extra ${b64(p.extra)}`);
  lines.push(`index ${p.index}`, ...p.proof.map(b64), '');
  return `${lines.join('\n')}\n${p.checkpoint}`;
}

/** @throws HallmarkError PROOF_INVALID when the text is not a tlog proof */
export function parseTlogProof(text: string): TlogProof {
  const split = text.indexOf('\n\n');
  if (split < 0) throw invalid('no checkpoint after the proof');
  const head = text.slice(0, split).split('\n');
  const checkpoint = text.slice(split + 2);
  if (head.shift() !== HEADER) throw invalid(`the first line is not ${HEADER}`);
  let extra: Uint8Array | undefined;
  if (head[0]?.startsWith('extra ')) extra = decode(head.shift()!.slice(6), 'extra data');
  const m = /^index (0|[1-9][0-9]{0,15})$/.exec(head.shift() ?? '');
  if (!m || !Number.isSafeInteger(Number(m[1]))) throw invalid('no valid "index" line');
  if (head.length > MAX_PROOF_HASHES) throw invalid('the inclusion proof is too long');
  const proof = head.map((line) => {
    const hash = decode(line, 'a proof line');
    if (hash.length !== 32) throw invalid('a proof line is not a SHA-256 hash');
    return hash;
  });
  return { index: Number(m[1]), proof, checkpoint, ...(extra ? { extra } : {}) };
}

/**
 * Verifies a tlog proof for `leaf` under the policy: checkpoint signature, witness quorum,
 * inclusion. @throws HallmarkError PROOF_INVALID or NOTE_INVALID
 */
export function verifyTlogProof(
  text: string,
  leaf: Uint8Array,
  policy: LogPolicy,
): { proof: TlogProof; checkpoint: TrustedCheckpoint } {
  const proof = parseTlogProof(text);
  const checkpoint = openLogCheckpoint(proof.checkpoint, policy);
  verifyInclusion(proof.index, checkpoint.size, leaf, proof.proof, checkpoint.root);
  return { proof, checkpoint };
}

function decode(text: string, what: string): Uint8Array {
  try {
    return unb64(text);
  } catch {
    throw invalid(`${what} is not base64`);
  }
}

function invalid(message: string): HallmarkError {
  return new HallmarkError(ErrorCode.PROOF_INVALID, message);
}
