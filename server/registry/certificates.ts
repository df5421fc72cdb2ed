/** Stored certificates: one row per issuer + serial + generation, with status. */
import { fromBase64url } from '../../shared/bytes.ts';
import type { Certificate } from '../../shared/certificate.ts';
import { canonicalClaimsJson, parseClaims } from '../../shared/claims.ts';
import { onPostgres, type Db } from '../db/database.ts';
import { MultiRowInsert } from '../db/multi-row.ts';
import type { Allocation } from './status-index.ts';

export type CertificateStatus = 'active' | 'revoked' | 'stolen' | 'replaced';

export interface CertificateRecord {
  id: number;
  issuer: string;
  serial: string;
  generation: number;
  status: CertificateStatus;
  statusReason: string | null;
  statusChangedAt: number | null;
  statusIndex: number;
  kid: string;
  issuedAt: number;
  /** Its index in the issuance log (null only before the log's backfill has run). */
  logIndex: number | null;
  certificate: Certificate;
}

interface Row {
  id: number;
  issuer: string;
  serial: string;
  generation: number;
  status: CertificateStatus;
  status_reason: string | null;
  status_changed_at: number | null;
  status_index: number;
  kid: string;
  claims: string;
  jws: string;
  issued_at: number;
  log_index: number | null;
}

/** Rebuilds the certificate from its stored JWS (the claims column is its exact payload). */
export function toRecord(row: Row): CertificateRecord {
  return {
    id: row.id,
    issuer: row.issuer,
    serial: row.serial,
    generation: row.generation,
    status: row.status,
    statusReason: row.status_reason,
    statusChangedAt: row.status_changed_at,
    statusIndex: row.status_index,
    kid: row.kid,
    issuedAt: row.issued_at,
    logIndex: row.log_index,
    certificate: {
      claims: parseClaims(JSON.parse(row.claims)),
      kid: row.kid,
      signature: fromBase64url(row.jws.slice(row.jws.lastIndexOf('.') + 1)),
      jws: row.jws,
      ...(row.log_index === null ? {} : { logIndex: row.log_index }),
    },
  };
}

export class CertificateStore {
  private readonly latest;
  private readonly exists;
  private readonly existing;
  private readonly insertRows;

  constructor(private readonly db: Db) {
    this.insertRows = new MultiRowInsert(
      db,
      'INSERT INTO certificates (issuer, serial, generation, status_index, status_list, status_seq, kid, claims, jws, issued_at, log_index)',
      '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      'RETURNING id, status_index',
    );
    this.existing = db
      .prepare(
        `SELECT DISTINCT serial FROM certificates WHERE issuer = ? AND serial IN ${
          onPostgres(db)
            ? '(SELECT json_array_elements_text(CAST(? AS json)))'
            : '(SELECT value FROM json_each(?))'
        }`,
      )
      .pluck();
    this.exists = db
      .prepare('SELECT 1 FROM certificates WHERE issuer = ? AND serial = ? LIMIT 1')
      .pluck();
    this.latest = db.prepare(
      'SELECT * FROM certificates WHERE issuer = ? AND serial = ? ORDER BY generation DESC LIMIT 1',
    );
  }

  /** Whether any certificate exists for issuer + serial (no record built: the bulk path). */
  has(issuer: string, serial: string): boolean {
    return this.exists.get(issuer, serial) !== undefined;
  }

  /** Which of `serials` have a certificate of `issuer`: one query for a whole import chunk. */
  existingSerials(issuer: string, serials: readonly string[]): Set<string> {
    return new Set(this.existing.all(issuer, JSON.stringify(serials)) as string[]);
  }

  /** The newest generation for a serial, or undefined. */
  findLatest(issuer: string, serial: string): CertificateRecord | undefined {
    const row = this.latest.get(issuer, serial) as Row | undefined;
    return row && toRecord(row);
  }

  /** One generation of a serial, or undefined. */
  find(issuer: string, serial: string, generation: number): CertificateRecord | undefined {
    const row = this.db
      .prepare('SELECT * FROM certificates WHERE issuer = ? AND serial = ? AND generation = ?')
      .get(issuer, serial, generation) as Row | undefined;
    return row && toRecord(row);
  }

  /** Inserts a signed certificate; the caller holds the transaction. `claimsJson` saves recomputing it. */
  insert(cert: Certificate, allocation: Allocation, claimsJson?: string): CertificateRecord {
    return this.insertMany([{ certificate: cert, allocation, claimsJson }])[0]!;
  }

  /**
   * Inserts signed certificates in multi-row statements (the bulk import's path, and the
   * single insert's); the caller holds the transaction. Records come back in input order.
   */
  insertMany(
    items: readonly {
      certificate: Certificate;
      /** Where its status index came from (its list and sequence number, kept unique). */
      allocation: Allocation;
      claimsJson?: string | undefined;
    }[],
  ): CertificateRecord[] {
    const returned = this.insertRows.run(
      items.map(({ certificate: cert, allocation, claimsJson }) => {
        const c = cert.claims;
        if (allocation.index !== c.sli)
          throw new Error(`status index ${c.sli} is not its allocation's (${allocation.index})`);
        return [
          c.iss,
          c.sn,
          c.gen,
          c.sli,
          allocation.list,
          allocation.seq,
          cert.kid,
          claimsJson ?? canonicalClaimsJson(c),
          cert.jws,
          c.iat,
          cert.logIndex ?? null,
        ];
      }),
    ) as { id: number; status_index: number }[];
    // RETURNING's row order is unspecified: status indexes are unique, so they pair rows up.
    const ids = new Map(returned.map((r) => [r.status_index, r.id]));
    return items.map(({ certificate: cert }) => {
      const c = cert.claims;
      return {
        id: ids.get(c.sli)!,
        issuer: c.iss,
        serial: c.sn,
        generation: c.gen,
        status: 'active',
        statusReason: null,
        statusChangedAt: null,
        statusIndex: c.sli,
        kid: cert.kid,
        issuedAt: c.iat,
        logIndex: cert.logIndex ?? null,
        certificate: cert,
      };
    });
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM certificates').get() as { n: number }).n;
  }

  /** The newest generation of every serial issued at or after `since` (epoch s), oldest first. */
  *issuedSince(since: number): Generator<CertificateRecord> {
    const rows = this.db
      .prepare(
        'SELECT * FROM certificates c WHERE issued_at >= ? AND generation = (SELECT max(generation) FROM certificates d WHERE d.issuer = c.issuer AND d.serial = c.serial) ORDER BY issued_at, id',
      )
      .iterate(since) as IterableIterator<Row>;
    for (const row of rows) yield toRecord(row);
  }

  /** Every stored certificate, in id order, streamed (for backup checks). */
  *all(): Generator<CertificateRecord> {
    for (const row of this.db
      .prepare('SELECT * FROM certificates ORDER BY id')
      .iterate() as IterableIterator<Row>)
      yield toRecord(row);
  }
}
