/** The retailer check: what a reseller may learn about a watch — never who owns it. */
import { verify } from '../../shared/verify.ts';
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

/** The check for issuer + serial, or undefined when no certificate exists. */
export function retailerCheck(
  registry: Registry,
  issuer: string,
  serial: string,
  now: number,
): RetailerCheck | undefined {
  const record = registry.certificates.findLatest(issuer, serial);
  if (!record) return undefined;
  const owners = registry.ownership.summary(issuer, serial);
  return {
    serial,
    issuer,
    authentic: verify(record.certificate.jws, registry.keys.trustedKeys(), { now }).ok,
    status: record.status,
    statusChangedAt: iso(record.statusChangedAt),
    generation: record.generation,
    owners: owners.owners,
    lastTransferAt: iso(owners.lastTransferAt),
  };
}
