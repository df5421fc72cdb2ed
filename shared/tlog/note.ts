/**
 * Signed notes (C2SP signed-note), the envelope of log checkpoints: a text, a blank line,
 * and signature lines `— <key name> base64(key ID || signature)`. Ed25519 only (type 0x01):
 * key ID = SHA-256(name || 0x0A || 0x01 || public key)[:4]. Verifier keys are written
 * `<name>+<hex key ID>+base64(0x01 || public key)`, as in Go's sumdb/note.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, equalBytes, fromUtf8, utf8 } from '../bytes.ts';
import { ErrorCode, HallmarkError } from '../errors.ts';
import type { SignFn } from '../jws.ts';
import { verifySignature } from '../verify-core.ts';

const ED25519 = 0x01;
/** More signatures than this and the note is refused (the spec asks for at least 16). */
export const MAX_NOTE_SIGNATURES = 32;
const NAME = /^[^\s+]+$/u;

/** A key that verifies notes: its name, its 4-byte ID and its Ed25519 public key. */
export interface NoteVerifier {
  name: string;
  id: number;
  publicKey: Uint8Array;
}

/** A key that signs notes (the private half stays with the caller, behind `sign`). */
export interface NoteSigner extends NoteVerifier {
  sign: SignFn;
}

export const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
export function unb64(text: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0)
    throw invalid('not standard base64');
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

/**
 * A key ID: the first 4 bytes of SHA-256(name || 0x0A || type || key). Type 0x01 is an Ed25519
 * note key (signed-note); 0x04 an Ed25519 witness cosigner (tlog-cosignature).
 */
export function keyIdOf(name: string, type: number, publicKey: Uint8Array): number {
  const h = sha256(concatBytes(utf8(name), Uint8Array.of(0x0a, type), publicKey));
  return ((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0;
}

/** The key ID of an Ed25519 note key. */
export function noteKeyId(name: string, publicKey: Uint8Array): number {
  return keyIdOf(name, ED25519, publicKey);
}

/** The verifier key string `<name>+<hex ID>+base64(type || public key)`. */
export function formatKeyOf(name: string, type: number, publicKey: Uint8Array): string {
  if (!NAME.test(name)) throw invalid('a key name has no spaces and no "+"');
  const id = keyIdOf(name, type, publicKey).toString(16).padStart(8, '0');
  return `${name}+${id}+${b64(concatBytes(Uint8Array.of(type), publicKey))}`;
}

/** Parses and checks a verifier key string of key type `type`. @throws HallmarkError NOTE_INVALID */
export function parseKeyOf(text: string, type: number, what: string): NoteVerifier {
  const m = /^([^\s+]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(text.trim());
  if (!m) throw invalid(`not a ${what} key <name>+<hex id>+<base64 key>`);
  const bytes = unb64(m[3]!);
  if (bytes.length !== 33 || bytes[0] !== type)
    throw invalid(`only Ed25519 ${what} keys (type 0x0${type}) are supported`);
  const publicKey = bytes.subarray(1);
  const id = Number.parseInt(m[2]!, 16);
  if (keyIdOf(m[1]!, type, publicKey) !== id) throw invalid('the key ID does not match the key');
  return { name: m[1]!, id, publicKey };
}

/** A note signer named `name` over an Ed25519 key (its public half and a signing function). */
export function noteSigner(name: string, key: { publicKey: Uint8Array; sign: SignFn }): NoteSigner {
  return { name, id: noteKeyId(name, key.publicKey), publicKey: key.publicKey, sign: key.sign };
}

/** The verifier key string of an Ed25519 note key. */
export function formatVerifierKey(name: string, publicKey: Uint8Array): string {
  return formatKeyOf(name, ED25519, publicKey);
}

/** Parses and checks a note verifier key string. @throws HallmarkError NOTE_INVALID */
export function parseVerifierKey(text: string): NoteVerifier {
  return parseKeyOf(text, ED25519, 'note verifier');
}

/** Signs `text` (which must end in a newline) with each signer. */
export function signNote(text: string, signers: readonly NoteSigner[]): string {
  checkText(text);
  const message = utf8(text);
  const lines = signers.map((s) => {
    const id = Uint8Array.of(s.id >>> 24, (s.id >>> 16) & 255, (s.id >>> 8) & 255, s.id & 255);
    const signature = s.sign(message);
    if (signature.length !== 64) throw invalid('an Ed25519 signature is 64 bytes');
    return `— ${s.name} ${b64(concatBytes(id, signature))}\n`;
  });
  return `${text}\n${lines.join('')}`;
}

/** A note split into its text and signature lines, not yet verified. */
export interface ParsedNote {
  text: string;
  signatures: { name: string; id: number; signature: Uint8Array }[];
}

/** Splits a note. @throws HallmarkError NOTE_INVALID */
export function parseNote(note: string): ParsedNote {
  if (/[\u0000-\u0009\u000b-\u001f]/.test(note)) throw invalid('control characters in the note');
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) throw invalid('no signature block');
  const text = note.slice(0, split + 1);
  checkText(text);
  const lines = note.slice(split + 2, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) throw invalid('too many signatures');
  const signatures = lines.map((line) => {
    const m = /^— ([^\s+]+) ([A-Za-z0-9+/=]+)$/.exec(line);
    if (!m) throw invalid('a signature line is malformed');
    const bytes = unb64(m[2]!);
    if (bytes.length < 5) throw invalid('a signature is too short');
    const id = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
    return { name: m[1]!, id, signature: bytes.subarray(4) };
  });
  return { text, signatures };
}

/**
 * Verifies a note: signatures by unknown keys are ignored; one by a known key that does not
 * verify rejects the note; at least one known key must have signed.
 * @returns the text and the keys whose signatures verified
 * @throws HallmarkError NOTE_INVALID
 */
export function openNote(
  note: string,
  verifiers: readonly NoteVerifier[],
): { text: string; signedBy: NoteVerifier[] } {
  const parsed = parseNote(note);
  const message = utf8(parsed.text);
  const signedBy: NoteVerifier[] = [];
  for (const sig of parsed.signatures) {
    const key = verifiers.find((v) => v.name === sig.name && v.id === sig.id);
    if (!key) continue;
    if (sig.signature.length !== 64 || !verifySignature(sig.signature, message, key.publicKey))
      throw invalid(`the signature of ${key.name} does not verify`);
    if (!signedBy.some((k) => k.name === key.name && equalBytes(k.publicKey, key.publicKey)))
      signedBy.push(key);
  }
  if (signedBy.length === 0) throw invalid('no trusted key signed this note');
  return { text: parsed.text, signedBy };
}

function checkText(text: string): void {
  if (!text.endsWith('\n')) throw invalid('the note text ends with a newline');
  try {
    fromUtf8(utf8(text));
  } catch {
    throw invalid('the note is not UTF-8');
  }
}

function invalid(message: string): HallmarkError {
  return new HallmarkError(ErrorCode.NOTE_INVALID, message);
}
