/**
 * express-rate-limit's counters in the registry database, so that a limit holds across the
 * processes of one machine and the nodes of a cluster alike: an address that spreads its
 * requests over every node still gets `limit` per window in all. Fixed windows, as the memory
 * store has; each count is one single-row upsert, atomic by itself on either database.
 */
import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit';
import type { Db, Statement } from '../db/database.ts';

/** How often windows that ended are swept away, at most. */
const SWEEP_EVERY_MS = 60_000;

export class DbRateLimitStore implements Store {
  readonly localKeys = false;
  private windowMs = 60_000;
  private readonly hit: Statement;
  private readonly unhit: Statement;
  private readonly read: Statement;
  private readonly reset: Statement;
  private readonly sweep: Statement;
  private lastSweep = 0;

  /**
   * @param prefix keeps each limiter's counters apart ("public:", "claim:", …)
   * @param now milliseconds since the epoch (tests move it)
   */
  constructor(
    db: Db,
    readonly prefix: string,
    private readonly now: () => number = Date.now,
  ) {
    this.hit = db.prepare(
      `INSERT INTO rate_limits (key, hits, reset_at) VALUES (?, 1, ?)
       ON CONFLICT (key) DO UPDATE SET
         hits = CASE WHEN rate_limits.reset_at <= ? THEN 1 ELSE rate_limits.hits + 1 END,
         reset_at = CASE WHEN rate_limits.reset_at <= ? THEN excluded.reset_at ELSE rate_limits.reset_at END
       RETURNING hits, reset_at`,
      { atomic: true },
    );
    this.unhit = db.prepare(
      'UPDATE rate_limits SET hits = hits - 1 WHERE key = ? AND hits > 0 AND reset_at > ?',
      { atomic: true },
    );
    this.read = db.prepare('SELECT hits, reset_at FROM rate_limits WHERE key = ? AND reset_at > ?');
    this.reset = db.prepare('DELETE FROM rate_limits WHERE key = ?', { atomic: true });
    this.sweep = db.prepare('DELETE FROM rate_limits WHERE reset_at <= ?', { atomic: true });
  }

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  get(key: string): ClientRateLimitInfo | undefined {
    const row = this.read.get(this.prefix + key, this.now()) as Row | undefined;
    return row && info(row);
  }

  increment(key: string): ClientRateLimitInfo {
    const now = this.now();
    if (now - this.lastSweep > SWEEP_EVERY_MS) {
      this.lastSweep = now;
      this.sweep.run(now);
    }
    return info(this.hit.get(this.prefix + key, now + this.windowMs, now, now) as Row);
  }

  decrement(key: string): void {
    this.unhit.run(this.prefix + key, this.now());
  }

  resetKey(key: string): void {
    this.reset.run(this.prefix + key);
  }
}

interface Row {
  hits: number;
  reset_at: number;
}

function info(row: Row): ClientRateLimitInfo {
  return { totalHits: row.hits, resetTime: new Date(row.reset_at) };
}
