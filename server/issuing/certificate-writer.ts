/**
 * The one path by which a certificate enters the registry: the brand's status index, claims,
 * the brand's active key, the signature, the row and its audit event. The API, batches,
 * re-issues and the bulk import all go through here (the import signs in worker threads and
 * hands over the signature to `record`). Callers hold the transaction.
 */
import { signCertificate, type Certificate } from '../../shared/certificate.ts';
import { certificateEntry } from '../../shared/tlog/entry.ts';
import { sha256 } from '../log/hash.ts';
import type { WatchInput } from '../../shared/watch-input.ts';
import { watchClaims } from '../../shared/watch-input.ts';
import type { CertificateRecord } from '../registry/certificates.ts';
import type { Registry } from '../registry/registry.ts';

export interface WriteContext {
  actor: string;
  now: number;
  /** The audit action: a first issue or a re-issue. */
  action?: 'certificate.issued' | 'certificate.reissued';
  /** More audit detail (the import's line, the replaced generation). */
  detail?: Record<string, unknown>;
  reason?: string | undefined;
}

/** What a write needs of the registry. */
export type WriterRegistry = Pick<
  Registry,
  'certificates' | 'events' | 'keys' | 'statusIndex' | 'log'
>;

/**
 * Signs and records generation `generation` of `input`'s watch for `brand`.
 * @throws HallmarkError VALIDATION_FAILED; NoActiveKeyError when the brand has no key
 */
export function issueCertificate(
  registry: WriterRegistry,
  input: WatchInput,
  brand: string,
  generation: number,
  context: WriteContext,
): CertificateRecord {
  const key = registry.keys.active(brand);
  const claims = watchClaims(
    { ...input, issuer: brand },
    {
      issuer: brand,
      issuedAt: context.now,
      statusIndex: registry.statusIndex.allocate(brand),
      generation,
    },
  );
  return recordCertificate(registry, signCertificate(claims, key.kid, key.sign), context);
}

/**
 * Sequences a signed certificate in the issuance log, stores it with its log index, and
 * appends its audit event, all in the caller's transaction: a certificate never exists
 * without its leaf, nor a leaf without its certificate. `claimsJson` saves recomputing it.
 */
export function recordCertificate(
  registry: Pick<Registry, 'certificates' | 'events' | 'log'>,
  certificate: Certificate,
  context: WriteContext,
  claimsJson?: string,
): CertificateRecord {
  const logIndex = registry.log.size();
  const record = registry.certificates.insert({ ...certificate, logIndex }, claimsJson);
  registry.log.appendAt(logIndex, [certificateEntry(certificate.jws, sha256)], [record.id]);
  registry.events.append({
    at: context.now,
    actor: context.actor,
    action: context.action ?? 'certificate.issued',
    serial: record.serial,
    detail: {
      issuer: record.issuer,
      generation: record.generation,
      kid: record.kid,
      statusIndex: record.statusIndex,
      logIndex,
      ...context.detail,
    },
    reason: context.reason,
  });
  return record;
}
