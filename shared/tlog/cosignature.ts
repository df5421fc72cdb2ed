/**
 * Witness cosignatures (C2SP tlog-cosignature, the Ed25519 `cosignature/v1` type): a witness
 * signs `cosignature/v1\ntime <t>\n` followed by the checkpoint's note text, and the signature
 * line carries the 8-byte big-endian timestamp before the 64-byte signature. Key IDs use the
 * 0x04 type byte, so a cosignature never passes for the log's own signature.
 */
import { concatBytes, utf8 } from '../bytes.ts';
import { ErrorCode, HallmarkError } from '../errors.ts';
import type { SignFn } from '../jws.ts';
import { verifySignature } from '../verify-core.ts';
import { b64, formatKeyOf, keyIdOf, parseKeyOf, parseNote, type NoteVerifier } from './note.ts';

const COSIGNATURE_V1 = 0x04;

/** The key ID of an Ed25519 cosigner: SHA-256(name || 0x0A || 0x04 || key)[:4]. */
export function cosignerKeyId(name: string, publicKey: Uint8Array): number {
  return keyIdOf(name, COSIGNATURE_V1, publicKey);
}

/** A cosigner's verifier key `<name>+<hex id>+base64(0x04 || key)`. */
export function formatCosignerKey(name: string, publicKey: Uint8Array): string {
  return formatKeyOf(name, COSIGNATURE_V1, publicKey);
}

/** Parses a cosigner verifier key. @throws HallmarkError NOTE_INVALID */
export function parseCosignerKey(text: string): NoteVerifier {
  return parseKeyOf(text, COSIGNATURE_V1, 'cosignature/v1 witness');
}

function message(noteText: string, time: number): Uint8Array {
  return utf8(`cosignature/v1\ntime ${time}\n${noteText}`);
}

function timeBytes(time: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(time));
  return out;
}

/** The signature line a witness adds to a checkpoint whose note text is `noteText`. */
export function cosign(
  noteText: string,
  witness: NoteVerifier & { sign: SignFn },
  time: number,
): string {
  if (!Number.isSafeInteger(time) || time < 0) throw invalid('a cosignature time is whole seconds');
  const signature = witness.sign(message(noteText, time));
  const id = witness.id;
  const idBytes = Uint8Array.of(id >>> 24, (id >>> 16) & 255, (id >>> 8) & 255, id & 255);
  return `— ${witness.name} ${b64(concatBytes(idBytes, timeBytes(time), signature))}\n`;
}

/**
 * The witnesses among `witnesses` whose cosignatures on `note` verify, with their times.
 * Lines of unknown keys are ignored; a known key's line that does not verify rejects the note.
 * @throws HallmarkError NOTE_INVALID
 */
export function verifyCosignatures(
  note: string,
  witnesses: readonly NoteVerifier[],
): { witness: NoteVerifier; time: number }[] {
  const parsed = parseNote(note);
  const verified: { witness: NoteVerifier; time: number }[] = [];
  for (const sig of parsed.signatures) {
    const witness = witnesses.find((w) => w.name === sig.name && w.id === sig.id);
    if (!witness) continue;
    if (sig.signature.length !== 72)
      throw invalid(`the cosignature of ${witness.name} is malformed`);
    const time = Number(
      new DataView(sig.signature.buffer, sig.signature.byteOffset).getBigUint64(0),
    );
    if (!Number.isSafeInteger(time)) throw invalid(`the cosignature time of ${witness.name}`);
    if (!verifySignature(sig.signature.subarray(8), message(parsed.text, time), witness.publicKey))
      throw invalid(`the cosignature of ${witness.name} does not verify`);
    if (!verified.some((v) => v.witness.name === witness.name)) verified.push({ witness, time });
  }
  return verified;
}

function invalid(message: string): HallmarkError {
  return new HallmarkError(ErrorCode.NOTE_INVALID, message);
}
