/**
 * Issuing: one certificate per brand + serial, idempotent. Each issue is one immediate
 * SQLite transaction — look up, allocate the status index, sign with the brand's key,
 * insert, audit — so two callers racing on one serial get one certificate between them, and
 * a failure anywhere leaves nothing behind. Which brand a request may issue for is decided
 * by the caller (the token's brands); this service checks only that the brand exists.
 */
import type { Claims } from '../../shared/claims.ts';
import { ErrorCode, HallmarkError, type FieldError } from '../../shared/errors.ts';
import type { WatchInput } from '../../shared/watch-input.ts';
import type { CertificateRecord } from '../registry/certificates.ts';
import type { Registry } from '../registry/registry.ts';
import { issueCertificate, issueCertificates } from './certificate-writer.ts';

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

interface Queued {
  input: WatchInput;
  brand: string;
  actor: string;
  resolve: (outcome: IssueOutcome) => void;
  reject: (error: unknown) => void;
}

type Settled = { ok: true; value: IssueOutcome } | { ok: false; error: unknown };

/** Most requests written in one group commit. */
const MAX_GROUP = 256;

export class IssuingService {
  private readonly issueTx;
  private readonly freshTx;
  private readonly groupTx;
  private readonly queue: Queued[] = [];
  private scheduled = false;

  constructor(private readonly registry: Registry) {
    // Called inside groupTx, better-sqlite3 runs this as a SAVEPOINT: a failing item rolls
    // back alone and the others in the group still commit.
    this.issueTx = registry.db.transaction((input: WatchInput, brand: string, actor: string) =>
      this.issueInside(input, brand, actor),
    );
    // Also a SAVEPOINT inside groupTx: the new certificates of a group, written together.
    this.freshTx = registry.db.transaction((fresh: Queued[]) =>
      issueCertificates(this.registry, fresh, this.registry.now()),
    );
    this.groupTx = registry.db.transaction((items: Queued[]) => this.writeGroup(items));
  }

  /**
   * A group, in one transaction: existing certificates and conflicts answered from a lookup;
   * the new ones (one per brand and serial) signed and written together; a second request for
   * a serial that the group itself issues answered like a later request would be. Should the
   * group write fail, each new certificate is written alone in its own savepoint, so that one
   * bad request fails alone.
   */
  private writeGroup(items: Queued[]): Settled[] {
    const { brands } = this.registry;
    const settled: Settled[] = new Array(items.length);
    const fresh: number[] = [];
    const again: number[] = [];
    const first = new Map<string, number>();
    items.forEach((item, i) => {
      try {
        const key = `${item.brand}\n${item.input.serial}`;
        if (first.has(key)) return void again.push(i);
        const outcome = this.lookUp(item.input, item.brand);
        if (outcome) return void (settled[i] = { ok: true, value: outcome });
        if (!brands.has(item.brand)) throw unknownBrand(item.brand);
        first.set(key, i);
        fresh.push(i);
      } catch (error) {
        settled[i] = { ok: false, error };
      }
    });
    let written: CertificateRecord[] | undefined = [];
    if (fresh.length > 0)
      try {
        written = this.freshTx(fresh.map((i) => items[i]!));
      } catch {
        written = undefined; // rolled back to the savepoint: one at a time below
      }
    fresh.forEach((i, n) => {
      const item = items[i]!;
      if (written) settled[i] = { ok: true, value: { outcome: 'created', record: written[n]! } };
      else
        try {
          settled[i] = { ok: true, value: this.issueTx(item.input, item.brand, item.actor) };
        } catch (error) {
          settled[i] = { ok: false, error };
        }
    });
    for (const i of again) {
      const item = items[i]!;
      try {
        settled[i] = { ok: true, value: this.issueTx(item.input, item.brand, item.actor) };
      } catch (error) {
        settled[i] = { ok: false, error };
      }
    }
    return settled;
  }

  /** The outcome for a watch already issued (existing, or a conflict thrown), else undefined. */
  private lookUp(input: WatchInput, brand: string): IssueOutcome | undefined {
    if (input.issuer !== undefined && input.issuer !== brand)
      throw new Error(`issuing for ${brand} a watch that names ${input.issuer}`);
    const existing = this.registry.certificates.findLatest(brand, input.serial);
    if (!existing) return undefined;
    const fields = differingFields(existing.certificate.claims, input);
    if (fields.length > 0) throw new ConflictError(existing, fields);
    return { outcome: 'existing', record: existing };
  }

  /**
   * Issues `brand`'s certificate for one watch, or returns the existing one when the details
   * match. @throws ConflictError when the serial exists with other details; HallmarkError
   * VALIDATION_FAILED (including a brand this registry does not have).
   */
  issue(input: WatchInput, brand: string, actor: string): IssueOutcome {
    return this.issueTx.immediate(input, brand, actor);
  }

  /**
   * As `issue`, for concurrent callers (the HTTP API): requests that arrive together are
   * written in one transaction (group commit), each in its own savepoint, and every caller is
   * answered only after that commit. A commit costs more than signing a certificate on this
   * hardware, so this is what lets the service keep up with ERP bursts.
   */
  issueQueued(input: WatchInput, brand: string, actor: string): Promise<IssueOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ input, brand, actor, resolve, reject });
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
  issueInside(input: WatchInput, brand: string, actor: string): IssueOutcome {
    const existing = this.lookUp(input, brand);
    if (existing) return existing;
    if (!this.registry.brands.has(brand)) throw unknownBrand(brand);
    const record = issueCertificate(this.registry, input, brand, 1, {
      actor,
      now: this.registry.now(),
    });
    return { outcome: 'created', record };
  }
}

/** The VALIDATION_FAILED error for a brand code this registry does not have. */
export function unknownBrand(brand: string): HallmarkError {
  return new HallmarkError(ErrorCode.VALIDATION_FAILED, `no brand ${brand} on this platform`, {
    fields: [{ path: 'issuer', message: `is not a brand of this registry (${brand})` }],
  });
}
