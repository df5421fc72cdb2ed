/** @noble/ed25519's strict verification (`zip215: false`), the reference verdict of the tests. */
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';

ed.hashes.sha512 = sha512;

/** noble's strict verify; false where noble throws on malformed input. */
export function nobleStrict(sig: Uint8Array, msg: Uint8Array, pk: Uint8Array): boolean {
  try {
    return ed.verify(sig, msg, pk, { zip215: false });
  } catch {
    return false;
  }
}
