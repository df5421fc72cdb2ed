/** The retailer check: what a reseller may learn about a watch — never who owns it. */
import { verify } from '../../shared/verify.ts';
import type { CertificateRecord } from '../registry/certificates.ts';
import type { Registry } from '../registry/registry.ts';

export interface RetailerCheck {
  serial: string;
  issuer: string;
  /** The stored certificate verifies with the brand's current keys. */
  authentic: boolean;
  status: string;
  statusChangedAt: string | null;
  generation: number;
  owners: number;
  lastTransferAt: string | null;
}

const iso = (seconds: number | null) =>
  seconds === null ? null : new Date(seconds * 1000).toISOString();

/** The check for issuer + serial (its newest card), or undefined when no certificate exists. */
export function retailerCheck(
  registry: Registry,
  issuer: string,
  serial: string,
  now: number,
): RetailerCheck | undefined {
  const record = registry.certificates.findLatest(issuer, serial);
  if (!record) return undefined;
  const authentic = verify(record.certificate.jws, registry.keys.trustedKeys(), { now }).ok;
  return checkOf(registry, record, authentic);
}

/**
 * The check for a presented certificate (QR link, digits or JWS): answered only when it
 * verifies and is the very certificate the registry issued (that card, that generation).
 * Anything else, a serial that does not exist included, is undefined: the caller answers
 * all of them alike, so the public check cannot be used to find which serials exist.
 */
export function presentedCheck(
  registry: Registry,
  presented: string,
  now: number,
): RetailerCheck | undefined {
  const verdict = verify(presented, registry.keys.trustedKeys(), { now });
  if (!verdict.ok) return undefined;
  const { iss, sn, gen } = verdict.claims;
  const record = registry.certificates.find(iss, sn, gen);
  // A valid signature the registry never issued (a leaked key used elsewhere) is not ours.
  if (!record || record.certificate.jws !== verdict.jws) return undefined;
  // The presented certificate is the stored one, and it verified: no second check.
  return checkOf(registry, record, true);
}

function checkOf(registry: Registry, record: CertificateRecord, authentic: boolean): RetailerCheck {
  const owners = registry.ownership.summary(record.issuer, record.serial);
  return {
    serial: record.serial,
    issuer: record.issuer,
    authentic,
    status: record.status,
    statusChangedAt: iso(record.statusChangedAt),
    generation: record.generation,
    owners: owners.owners,
    lastTransferAt: iso(owners.lastTransferAt),
  };
}
