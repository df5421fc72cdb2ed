/** JSON views of stored certificates. */
import { toQr } from '../../shared/qr.ts';
import type { CertificateRecord } from '../registry/certificates.ts';
import type { Registry } from '../registry/registry.ts';
import type { CertificateView } from './api-schemas.ts';

/** The view function of a deployment: each certificate with its brand's verification link. */
export function certificateViews(registry: Pick<Registry, 'brands'>, fallbackUrl: string) {
  return (record: CertificateRecord) =>
    certificateView(record, registry.brands.publicUrlOf(record.issuer, fallbackUrl));
}

export function certificateView(record: CertificateRecord, publicUrl: string): CertificateView {
  const qr = toQr(record.certificate, publicUrl);
  return {
    serial: record.serial,
    issuer: record.issuer,
    generation: record.generation,
    status: record.status,
    ...(record.statusReason ? { statusReason: record.statusReason } : {}),
    issuedAt: new Date(record.issuedAt * 1000).toISOString(),
    statusIndex: record.statusIndex,
    ...(record.logIndex === null ? {} : { logIndex: record.logIndex }),
    kid: record.kid,
    claims: record.certificate.claims,
    jws: record.certificate.jws,
    qr: qr.text,
    url: qr.url,
  };
}
