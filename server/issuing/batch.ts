/**
 * Batch issuing (POST /api/v1/certificates/batch): up to 1,000 watches in one transaction,
 * each in its own savepoint, so one bad item never sinks the others. With an Idempotency-Key
 * the answer is stored in the same transaction: a retry gets the same answer, a crash leaves
 * neither the certificates nor the stored answer.
 */
import { hash } from 'node:crypto';
import { HallmarkError, type FieldError } from '../../shared/errors.ts';
import { parseWatchInput } from '../../shared/watch-input.ts';
import type { Registry } from '../registry/registry.ts';
import { ConflictError, type IssueOutcome, type IssuingService } from './issuing-service.ts';
import type { CertificateRecord } from '../registry/certificates.ts';

export const MAX_BATCH_ITEMS = 1000;

export type ItemResult<V> =
  | { index: number; status: 'issued' | 'existing'; certificate: V }
  | {
      index: number;
      status: 'rejected';
      error: { code: string; message: string; fields?: FieldError[] };
    };

export interface BatchResult<V> {
  issued: number;
  existing: number;
  rejected: number;
  items: ItemResult<V>[];
}

/** The same key was used before with a different body. */
export class IdempotencyConflict extends Error {}

/** How long a stored batch answer is kept for replays, by default: 24 hours. */
export const IDEMPOTENCY_RETENTION_SECONDS = 86_400;

export function batchIssuer<V>(
  registry: Registry,
  issuing: IssuingService,
  view: (record: CertificateRecord) => V,
  retention = IDEMPOTENCY_RETENTION_SECONDS,
) {
  const { db } = registry;
  const purge = db.prepare('DELETE FROM idempotency_keys WHERE created_at < ?');
  const find = db.prepare(
    'SELECT request_hash, status, response FROM idempotency_keys WHERE token_id = ? AND key = ?',
  );
  const store = db.prepare(
    'INSERT INTO idempotency_keys (token_id, key, request_hash, status, response, created_at) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const item = db.transaction((raw: unknown, brand: string, actor: string): IssueOutcome => {
    const input = parseWatchInput(raw);
    return issuing.issueInside(input, input.issuer ?? brand, actor);
  });

  const run = db.transaction(
    (
      items: unknown[],
      brand: string,
      actor: string,
      idem: { tokenId: string; key: string; body: string; now: number } | undefined,
    ) => {
      const requestHash = idem ? hash('sha256', idem.body) : '';
      // Answers past their retention go first, so a key that old is a new request.
      if (idem) purge.run(idem.now - retention);
      if (idem) {
        const previous = find.get(idem.tokenId, idem.key) as
          { request_hash: string; response: string } | undefined;
        if (previous) {
          if (previous.request_hash !== requestHash)
            throw new IdempotencyConflict(
              'this Idempotency-Key was used with a different request body',
            );
          return { replayed: true, result: JSON.parse(previous.response) as BatchResult<V> };
        }
      }
      const result: BatchResult<V> = { issued: 0, existing: 0, rejected: 0, items: [] };
      items.forEach((raw, index) => {
        try {
          const { outcome, record } = item(raw, brand, actor); // a savepoint: a failure rolls back this item only
          const status = outcome === 'created' ? 'issued' : 'existing';
          result[status]++;
          result.items.push({ index, status, certificate: view(record) });
        } catch (error) {
          if (!(error instanceof HallmarkError || error instanceof ConflictError)) throw error;
          result.rejected++;
          result.items.push({
            index,
            status: 'rejected',
            error: {
              code: error.code,
              message: error.message,
              ...(error.fields ? { fields: error.fields } : {}),
            },
          });
        }
      });
      if (idem)
        store.run(idem.tokenId, idem.key, requestHash, 200, JSON.stringify(result), idem.now);
      return { replayed: false, result };
    },
  );

  /** Issues `items`; those that name no brand are `brand`'s. The caller checked access. */
  return (
    items: unknown[],
    brand: string,
    actor: string,
    idem?: { tokenId: string; key: string; body: string; now: number },
  ) => run.immediate(items, brand, actor, idem);
}
