/**
 * Issuing: one certificate per issuer + serial, idempotent. Each issue is one immediate
 * SQLite transaction — look up, allocate the status index, sign, insert, audit — so two
 * callers racing on one serial get one certificate between them, and a failure anywhere
 * leaves nothing behind.
 */
import { signCertificate } from '../../shared/certificate.ts';
import type { Claims } from '../../shared/claims.ts';
import type { FieldError } from '../../shared/errors.ts';
import { watchClaims, type WatchInput } from '../../shared/watch-input.ts';
import type { Db } from '../db/database.ts';
import type { CertificateRecord, CertificateStore } from '../registry/certificates.ts';
import type { EventLog } from '../registry/events.ts';
import type { KeyStore } from '../registry/key-store.ts';
import type { StatusIndexAllocator } from '../registry/status-index.ts';

/** The serial exists with different watch details. */
export class ConflictError extends Error {
  readonly code = 'CONFLICT';
  constructor(
    readonly existing: CertificateRecord,
    readonly fields: FieldError[],
  ) {
    super(`serial ${existing.serial} already has a certificate with different details`);
  }
}

export type IssueOutcome = { outcome: 'created' | 'existing'; record: CertificateRecord };

// Watch fields and the claims they become, for the idempotency comparison.
const COMPARED: [keyof WatchInput, keyof Claims][] = [
  ['reference', 'ref'],
  ['model', 'mdl'],
  ['caseMaterial', 'cas'],
  ['calibre', 'cal'],
  ['manufacturedOn', 'mfd'],
];

/** Fields of `input` that differ from an issued certificate's claims. */
export function differingFields(claims: Claims, input: WatchInput): FieldError[] {
  return COMPARED.filter(([field, claim]) => input[field] !== claims[claim]).map(
    ([field, claim]) => ({
      path: field,
      message: `differs from the issued certificate (${JSON.stringify(claims[claim])})`,
    }),
  );
}

export interface IssuingDeps {
  db: Db;
  keys: KeyStore;
  certificates: CertificateStore;
  events: EventLog;
  statusIndex: StatusIndexAllocator;
  /** Brand code used when the input names none. */
  defaultIssuer: string;
  /** Current time in epoch seconds. */
  now: () => number;
}

interface Queued {
  input: WatchInput;
  actor: string;
  resolve: (outcome: IssueOutcome) => void;
  reject: (error: unknown) => void;
}

type Settled = { ok: true; value: IssueOutcome } | { ok: false; error: unknown };

/** Most requests written in one group commit. */
const MAX_GROUP = 256;

export class IssuingService {
  private readonly issueTx;
  private readonly groupTx;
  private readonly queue: Queued[] = [];
  private scheduled = false;

  constructor(private readonly deps: IssuingDeps) {
    // Called inside groupTx, better-sqlite3 runs this as a SAVEPOINT: a failing item rolls
    // back alone and the others in the group still commit.
    this.issueTx = deps.db.transaction((input: WatchInput, actor: string) =>
      this.issueInside(input, actor),
    );
    this.groupTx = deps.db.transaction((items: Queued[]): Settled[] =>
      items.map((item) => {
        try {
          return { ok: true, value: this.issueTx(item.input, item.actor) };
        } catch (error) {
          return { ok: false, error };
        }
      }),
    );
  }

  /** The service clock, in epoch seconds. */
  now(): number {
    return this.deps.now();
  }

  /**
   * Issues the certificate for one watch, or returns the existing one when the details match.
   * @throws ConflictError when the serial exists with other details; HallmarkError VALIDATION_FAILED.
   */
  issue(input: WatchInput, actor: string): IssueOutcome {
    return this.issueTx.immediate(input, actor);
  }

  /**
   * As `issue`, for concurrent callers (the HTTP API): requests that arrive together are
   * written in one transaction (group commit), each in its own savepoint, and every caller is
   * answered only after that commit. A commit costs more than signing a certificate on this
   * hardware, so this is what lets the service keep up with ERP bursts.
   */
  issueQueued(input: WatchInput, actor: string): Promise<IssueOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ input, actor, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const items = this.queue.splice(0, MAX_GROUP);
    let settled: Settled[] = [];
    try {
      settled = this.groupTx.immediate(items);
    } catch (error) {
      // The commit itself failed: nothing of this group was stored.
      for (const item of items) item.reject(error);
    }
    settled.forEach((s, i) => (s.ok ? items[i]!.resolve(s.value) : items[i]!.reject(s.error)));
    if (this.queue.length > 0 && !this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /**
   * The body of `issue`, for callers that already hold a transaction (batches, imports):
   * a failure throws and rolls back only what the caller's savepoint covers.
   */
  issueInside(input: WatchInput, actor: string): IssueOutcome {
    const { certificates, keys, statusIndex, events } = this.deps;
    const issuer = input.issuer ?? this.deps.defaultIssuer;
    const existing = certificates.findLatest(issuer, input.serial);
    if (existing) {
      const fields = differingFields(existing.certificate.claims, input);
      if (fields.length > 0) throw new ConflictError(existing, fields);
      return { outcome: 'existing', record: existing };
    }
    const now = this.deps.now();
    const key = keys.active();
    const claims = watchClaims(input, {
      issuer,
      issuedAt: now,
      statusIndex: statusIndex.allocate(),
      generation: 1,
    });
    const record = certificates.insert(signCertificate(claims, key.kid, key.sign));
    events.append({
      at: now,
      actor,
      action: 'certificate.issued',
      serial: record.serial,
      detail: { issuer, generation: 1, kid: key.kid, statusIndex: record.statusIndex },
    });
    return { outcome: 'created', record };
  }
}
