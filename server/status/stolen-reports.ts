/**
 * The brake on stolen reports. A retailer's token (scope `report`) may mark a few watches
 * stolen an hour; beyond that, its reports are held for a brand admin's review instead of
 * turning watches red at once. A leaked or misused retailer token can then flag a handful of
 * watches, not a catalogue, and every report, held or applied, names the token in the audit.
 */
import { onPostgres } from '../db/database.ts';
import type { Registry } from '../registry/registry.ts';
import { statusService, TransitionError, UnknownCertificateError } from './status-service.ts';

/** Stolen reports one non-admin token may make per hour by default. */
export const STOLEN_REPORTS_PER_HOUR = 5;

export interface HeldReport {
  id: number;
  issuer: string;
  serial: string;
  tokenId: string;
  actor: string;
  reason: string | null;
  at: number;
}

/** The report was already decided, or does not exist. */
export class NoSuchReportError extends Error {
  readonly code = 'NOT_FOUND';
}

export function stolenReports(registry: Registry, perHour = STOLEN_REPORTS_PER_HOUR) {
  const { db, events } = registry;
  const status = statusService(registry);
  const applied = db
    .prepare(
      `SELECT count(*) FROM events WHERE action = 'certificate.reported_stolen' AND at > ? AND ${
        onPostgres(db) ? "CAST(detail AS json) ->> 'tokenId'" : "json_extract(detail, '$.tokenId')"
      } = ?`,
    )
    .pluck();
  const held = db
    .prepare('SELECT count(*) FROM stolen_reports_held WHERE token_id = ? AND at > ?')
    .pluck();

  /** Whether the token has used up its hourly allowance. */
  const overAllowance = (tokenId: string, now: number) =>
    (applied.get(now - 3600, tokenId) as number) + (held.get(tokenId, now - 3600) as number) >=
    perHour;

  const hold = db.transaction(
    (issuer: string, serial: string, tokenId: string, actor: string, reason?: string) => {
      // The watch must exist and be reportable, as for an applied report; a held report of a
      // watch that is not there would only be noise for the reviewer.
      const record = registry.certificates.findLatest(issuer, serial);
      if (!record) throw new UnknownCertificateError(`no certificate for serial ${serial}`);
      if (record.status !== 'active')
        throw new TransitionError(`cannot report stolen a certificate that is ${record.status}`);
      const now = registry.now();
      const id = db
        .prepare(
          'INSERT INTO stolen_reports_held (issuer, serial, token_id, actor, reason, at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id',
        )
        .pluck()
        .get(issuer, serial, tokenId, actor, reason ?? null, now) as number;
      events.append({
        at: now,
        actor,
        action: 'certificate.stolen_report_held',
        serial,
        detail: { issuer, tokenId, heldReport: id, allowancePerHour: perHour },
        reason,
      });
      return id;
    },
  );

  const decide = db.transaction(
    (id: number, decision: 'approved' | 'rejected', actor: string, note?: string) => {
      const row = db
        .prepare('SELECT * FROM stolen_reports_held WHERE id = ? AND decided_at IS NULL')
        .get(id) as
        | { issuer: string; serial: string; token_id: string; actor: string; reason: string | null }
        | undefined;
      if (!row) throw new NoSuchReportError(`no pending stolen report #${id}`);
      const now = registry.now();
      db.prepare('UPDATE stolen_reports_held SET decided_at = ?, decision = ? WHERE id = ?').run(
        now,
        decision,
        id,
      );
      events.append({
        at: now,
        actor,
        action: `certificate.stolen_report_${decision}`,
        serial: row.serial,
        detail: {
          issuer: row.issuer,
          heldReport: id,
          reportedBy: row.actor,
          tokenId: row.token_id,
        },
        reason: note,
      });
      if (decision === 'approved')
        return status.change(
          row.issuer,
          row.serial,
          'stolen',
          row.actor,
          row.reason ?? undefined,
          row.token_id,
        );
      return undefined;
    },
  );

  return {
    overAllowance,
    /** Holds a report for review. @throws UnknownCertificateError, TransitionError */
    hold: (issuer: string, serial: string, tokenId: string, actor: string, reason?: string) =>
      hold.immediate(issuer, serial, tokenId, actor, reason),
    /** The reports waiting for review, of one brand or all, oldest first. */
    pending(issuer?: string): HeldReport[] {
      return db
        .prepare(
          `SELECT id, issuer, serial, token_id AS "tokenId", actor, reason, at FROM stolen_reports_held WHERE decided_at IS NULL ${issuer ? 'AND issuer = ?' : ''} ORDER BY id`,
        )
        .all(...(issuer ? [issuer] : [])) as HeldReport[];
    },
    /** Applies a held report (the watch turns stolen) or drops it; audited. @throws NoSuchReportError */
    decide: (id: number, decision: 'approved' | 'rejected', actor: string, note?: string) =>
      decide.immediate(id, decision, actor, note),
  };
}
