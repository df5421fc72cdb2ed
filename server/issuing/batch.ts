/**
 * Batch issuing (POST /api/v1/certificates/batch): up to 1,000 watches, each in its own
 * savepoint, so one bad item never sinks the others. The batch is written in slices of
 * SLICE items, one transaction each, with the event loop free between slices: single issues
 * arriving meanwhile wait for one slice, not for the whole batch.
 *
 * Idempotency: the key is first recorded as pending (a second request with it is told the
 * first is in progress), and the answer is stored when the last slice is written. A crash
 * mid-batch leaves the slices written and the key pending; after PENDING_TAKEOVER_SECONDS a
 * retry with the key runs the batch again: what was written answers "existing" (one
 * certificate per serial), nothing is lost and nothing is duplicated.
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
/** Items written per transaction, between two turns of the event loop (~5 ms of work). */
export const SLICE = 25;
/** A key pending for longer than this belongs to a request that died: a retry takes it over. */
export const PENDING_TAKEOVER_SECONDS = 60;
const PENDING = 0; // idempotency_keys.status of a batch in progress

/** The Idempotency-Key's batch is still being written by another request. */
export class IdempotencyInProgress extends Error {}

export function batchIssuer<V>(
  registry: Registry,
  issuing: IssuingService,
  view: (record: CertificateRecord) => V,
  retention = IDEMPOTENCY_RETENTION_SECONDS,
) {
  const { db } = registry;
  const purge = db.prepare('DELETE FROM idempotency_keys WHERE created_at < ?');
  const find = db.prepare(
    'SELECT request_hash, status, response, created_at FROM idempotency_keys WHERE token_id = ? AND key = ?',
  );
  const claim = db.prepare(
    "INSERT INTO idempotency_keys (token_id, key, request_hash, status, response, created_at) VALUES (?, ?, ?, 0, '', ?) ON CONFLICT (token_id, key) DO UPDATE SET request_hash = excluded.request_hash, created_at = excluded.created_at",
  );
  const complete = db.prepare(
    'UPDATE idempotency_keys SET status = 200, response = ? WHERE token_id = ? AND key = ?',
  );
  const release = db.prepare(
    'DELETE FROM idempotency_keys WHERE token_id = ? AND key = ? AND status = 0',
  );
  const item = db.transaction((raw: unknown, brand: string, actor: string): IssueOutcome => {
    const input = parseWatchInput(raw);
    return issuing.issueInside(input, input.issuer ?? brand, actor);
  });

  type Idem = { tokenId: string; key: string; body: string; now: number };

  /** Replays a stored answer, refuses a key in use or reused, or records the key as pending. */
  const begin = db.transaction((idem: Idem, requestHash: string) => {
    // Answers past their retention go first, so a key that old is a new request.
    purge.run(idem.now - retention);
    const previous = find.get(idem.tokenId, idem.key) as
      { request_hash: string; status: number; response: string; created_at: number } | undefined;
    if (previous && previous.request_hash !== requestHash)
      throw new IdempotencyConflict('this Idempotency-Key was used with a different request body');
    if (previous && previous.status !== PENDING)
      return { replayed: true as const, result: JSON.parse(previous.response) as BatchResult<V> };
    if (previous && idem.now - previous.created_at < PENDING_TAKEOVER_SECONDS)
      throw new IdempotencyInProgress(
        'a request with this Idempotency-Key is still being processed',
      );
    claim.run(idem.tokenId, idem.key, requestHash, idem.now);
    return undefined;
  });

  const slice = db.transaction(
    (items: unknown[], offset: number, brand: string, actor: string, result: BatchResult<V>) => {
      items.forEach((raw, i) => {
        const index = offset + i;
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
    },
  );

  /**
   * Issues `items`; those that name no brand are `brand`'s. The caller checked access.
   * @throws IdempotencyConflict, IdempotencyInProgress
   */
  return async (
    items: unknown[],
    brand: string,
    actor: string,
    idem?: Idem,
  ): Promise<{ replayed: boolean; result: BatchResult<V> }> => {
    const requestHash = idem ? hash('sha256', idem.body) : '';
    if (idem) {
      const replay = begin.immediate(idem, requestHash);
      if (replay) return replay;
    }
    const result: BatchResult<V> = { issued: 0, existing: 0, rejected: 0, items: [] };
    try {
      for (let offset = 0; offset < items.length; offset += SLICE) {
        if (offset > 0) await new Promise((resolve) => setImmediate(resolve));
        slice.immediate(items.slice(offset, offset + SLICE), offset, brand, actor, result);
      }
      if (idem) complete.run(JSON.stringify(result), idem.tokenId, idem.key);
    } catch (error) {
      // What was written stays (it is idempotent per serial); the key is free for a retry.
      if (idem) release.run(idem.tokenId, idem.key);
      throw error;
    }
    return { replayed: false, result };
  };
}
