/**
 * The one path by which a certificate enters the registry: the brand's status index, claims,
 * the brand's active key, the signature, the row and its audit event. The API, batches,
 * re-issues and the bulk import all go through here (the import signs in worker threads and
 * hands over the signature to `record`). Callers hold the transaction.
 */
import { signCertificate, type Certificate } from '../../shared/certificate.ts';
import { certificateLeafOf } from '../log/certificate-leaf.mjs';
import type { WatchInput } from '../../shared/watch-input.ts';
import { watchClaims } from '../../shared/watch-input.ts';
import type { CertificateRecord } from '../registry/certificates.ts';
import type { Registry } from '../registry/registry.ts';
import type { Allocation } from '../registry/status-index.ts';

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
  const allocation = registry.statusIndex.reserve(brand, 1)[0]!;
  const claims = watchClaims(
    { ...input, issuer: brand },
    { issuer: brand, issuedAt: context.now, statusIndex: allocation.index, generation },
  );
  return recordCertificate(
    registry,
    signCertificate(claims, key.kid, key.sign),
    allocation,
    context,
  );
}

/**
 * First certificates (generation 1) for many watches at once, in the caller's transaction:
 * each brand's status indexes reserved together, each watch signed, and all of them recorded
 * in multi-row statements. The group commit's path. Any failure throws, and the caller's
 * savepoint takes everything back.
 */
export function issueCertificates(
  registry: WriterRegistry,
  items: readonly { input: WatchInput; brand: string; actor: string }[],
  now: number,
): CertificateRecord[] {
  const allocations = new Map<string, Allocation[]>();
  for (const item of items) allocations.set(item.brand, []);
  for (const [brand, list] of allocations)
    list.push(
      ...registry.statusIndex
        .reserve(brand, items.filter((item) => item.brand === brand).length)
        .reverse(),
    );
  const signed = items.map((item) => {
    const key = registry.keys.active(item.brand);
    const allocation = allocations.get(item.brand)!.pop()!;
    const claims = watchClaims(
      { ...item.input, issuer: item.brand },
      { issuer: item.brand, issuedAt: now, statusIndex: allocation.index, generation: 1 },
    );
    return {
      certificate: signCertificate(claims, key.kid, key.sign),
      allocation,
      actor: item.actor,
    };
  });
  return recordCertificates(registry, signed, { actor: 'unused', now });
}

/**
 * Sequences a signed certificate in the issuance log, stores it with its log index, and
 * appends its audit event, all in the caller's transaction: a certificate never exists
 * without its leaf, nor a leaf without its certificate.
 */
export function recordCertificate(
  registry: Pick<Registry, 'certificates' | 'events' | 'log'>,
  certificate: Certificate,
  allocation: Allocation,
  context: WriteContext,
): CertificateRecord {
  return recordCertificates(registry, [{ certificate, allocation }], context)[0]!;
}

/**
 * `recordCertificate` for many certificates at once, in multi-row statements (the bulk
 * import's path): consecutive log indexes, in order. `detail` adds to each one's audit event.
 */
export function recordCertificates(
  registry: Pick<Registry, 'certificates' | 'events' | 'log'>,
  items: readonly {
    certificate: Certificate;
    /** Its status index's allocation. */
    allocation: Allocation;
    claimsJson?: string | undefined;
    /** Its issuance-log leaf hash, when computed already (the import's signing threads do). */
    leaf?: Uint8Array;
    detail?: Record<string, unknown>;
    /** Who asked for this one, when not `context.actor` (a group commit of many callers). */
    actor?: string;
  }[],
  context: WriteContext,
): CertificateRecord[] {
  const first = registry.log.size();
  const records = registry.certificates.insertMany(
    items.map(({ certificate: c, allocation, claimsJson }, i) => ({
      certificate: {
        claims: c.claims,
        kid: c.kid,
        signature: c.signature,
        jws: c.jws,
        logIndex: first + i,
      },
      allocation,
      claimsJson,
    })),
  );
  // One definition of a certificate's leaf on the server (certificate-leaf.mjs): the import's
  // signing threads computed it already; here it is computed for the rest.
  registry.log.appendCertificateLeaves(
    first,
    items.map((item) => item.leaf ?? certificateLeafOf(item.certificate.jws)),
    records.map((record) => record.id),
  );
  registry.events.appendMany(
    records.map((record, i) => ({
      at: context.now,
      actor: items[i]!.actor ?? context.actor,
      action: context.action ?? 'certificate.issued',
      serial: record.serial,
      detail: {
        issuer: record.issuer,
        generation: record.generation,
        kid: record.kid,
        statusIndex: record.statusIndex,
        logIndex: record.logIndex,
        ...context.detail,
        ...items[i]!.detail,
      },
      reason: context.reason,
    })),
  );
  return records;
}
