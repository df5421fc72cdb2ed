// The Merkle leaf hash of a certificate in the issuance log, from its compact JWS: RFC 6962's
// SHA-256(0x00 || entry), where the entry is 0x01 || SHA-256(JWS) (shared/tlog/entry.ts). Plain
// JavaScript with Node's native SHA-256, so that the import's signing threads compute it beside
// the signature; types in certificate-leaf.d.mts. Tests hold it to the shared definition.
import { hash } from 'node:crypto';

/** The leaf hash (32 bytes) of the certificate whose compact JWS is `jws`. */
export function certificateLeafOf(jws) {
  const leafInput = Buffer.allocUnsafe(34);
  leafInput[0] = 0x00; // RFC 6962 leaf prefix
  leafInput[1] = 0x01; // the entry type of a certificate
  hash('sha256', jws, 'buffer').copy(leafInput, 2);
  return hash('sha256', leafInput, 'buffer');
}
