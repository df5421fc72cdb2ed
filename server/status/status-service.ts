/**
 * Certificate lifecycle: revoke, report stolen, recover, re-issue. Each change is one
 * transaction that updates the certificate, bumps its status list's version (so every
 * process rebuilds the list on its next request) and appends the audit event.
 */
import { issueCertificate } from '../issuing/certificate-writer.ts';
import type { CertificateRecord } from '../registry/certificates.ts';
import type { Registry } from '../registry/registry.ts';

export type StatusAction = 'revoke' | 'stolen' | 'recovered';

/** The change is not allowed from the certificate's current status. */
export class TransitionError extends Error {
  readonly code = 'INVALID_TRANSITION';
}

/** The certificate does not exist. */
export class UnknownCertificateError extends Error {
  readonly code = 'NOT_FOUND';
}

const TRANSITIONS: Record<
  StatusAction,
  { from: string[]; to: 'revoked' | 'stolen' | 'active'; event: string }
> = {
  revoke: { from: ['active', 'stolen'], to: 'revoked', event: 'certificate.revoked' },
  stolen: { from: ['active'], to: 'stolen', event: 'certificate.reported_stolen' },
  recovered: { from: ['stolen'], to: 'active', event: 'certificate.recovered' },
};

export function statusService(registry: Registry) {
  const { db, certificates, events } = registry;
  const setStatus = db.prepare(
    'UPDATE certificates SET status = ?, status_reason = ?, status_changed_at = ? WHERE id = ?',
  );
  const bump = db.prepare(
    'UPDATE status_lists SET version = version + 1 WHERE ? >= id * size AND ? < (id + 1) * size',
  );

  const latest = (issuer: string, serial: string): CertificateRecord => {
    const record = certificates.findLatest(issuer, serial);
    if (!record) throw new UnknownCertificateError(`no certificate for serial ${serial}`);
    return record;
  };

  const change = db.transaction(
    (
      issuer: string,
      serial: string,
      action: StatusAction,
      actor: string,
      reason: string | undefined,
      tokenId: string | undefined,
    ) => {
      const record = latest(issuer, serial);
      const t = TRANSITIONS[action];
      if (!t.from.includes(record.status))
        throw new TransitionError(
          `cannot ${action === 'stolen' ? 'report stolen' : action} a certificate that is ${record.status}`,
        );
      const now = registry.now();
      setStatus.run(t.to, t.to === 'active' ? null : (reason ?? null), now, record.id);
      bump.run(record.statusIndex, record.statusIndex);
      events.append({
        at: now,
        actor,
        action: t.event,
        serial,
        detail: {
          issuer,
          generation: record.generation,
          from: record.status,
          to: t.to,
          ...(tokenId ? { tokenId } : {}),
        },
        reason,
      });
      return latest(issuer, serial);
    },
  );

  const reissue = db.transaction(
    (issuer: string, serial: string, actor: string, reason: string | undefined) => {
      const old = latest(issuer, serial);
      if (old.status !== 'active')
        throw new TransitionError(`cannot re-issue a certificate that is ${old.status}`);
      const now = registry.now();
      const c = old.certificate.claims;
      const fresh = issueCertificate(
        registry,
        {
          serial: c.sn,
          reference: c.ref,
          model: c.mdl,
          caseMaterial: c.cas,
          calibre: c.cal,
          manufacturedOn: c.mfd,
        },
        issuer,
        old.generation + 1,
        {
          actor,
          now,
          action: 'certificate.reissued',
          detail: { replaced: old.generation },
          reason,
        },
      );
      setStatus.run('replaced', `replaced by generation ${fresh.generation}`, now, old.id);
      bump.run(old.statusIndex, old.statusIndex);
      return fresh;
    },
  );

  return {
    /**
     * Applies a status change; `tokenId` (the API token that asked) goes into the audit event.
     * @throws UnknownCertificateError, TransitionError
     */
    change: (
      issuer: string,
      serial: string,
      action: StatusAction,
      actor: string,
      reason?: string,
      tokenId?: string,
    ): CertificateRecord => change.immediate(issuer, serial, action, actor, reason, tokenId),
    /** Issues the next generation of a card; the old one becomes "replaced". */
    reissue: (issuer: string, serial: string, actor: string, reason?: string): CertificateRecord =>
      reissue.immediate(issuer, serial, actor, reason),
  };
}
