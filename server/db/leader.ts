/**
 * Electing the one process that runs single-writer background work (the log publisher: its
 * checkpoints and witness requests). On SQLite the registry is on one machine and the
 * service's primary process is that writer. On PostgreSQL every node runs a candidate: the
 * leader is whoever holds a session advisory lock on its own connection; if it dies, its
 * connection closes, PostgreSQL releases the lock, and another node takes over on its next try.
 */
import { isPostgresUrl } from './location.ts';
import { PgDatabase } from './postgres.ts';

export interface Leadership {
  /** Whether this process leads now (tries to become leader when it does not). */
  isLeader(): boolean;
  /** Gives up leadership (closes the connection that holds it). */
  stop(): void;
}

export function electLeader(location: string, role: string): Leadership {
  if (!isPostgresUrl(location)) return { isLeader: () => true, stop: () => {} };
  let db: PgDatabase | undefined;
  let leading = false;
  const drop = () => {
    leading = false;
    try {
      db?.close();
    } catch {
      // already gone
    }
    db = undefined;
  };
  return {
    isLeader() {
      try {
        db ??= new PgDatabase(location);
        // Held: ask again anyway, so that a lost connection is noticed (the lock went with it).
        const held = db
          .prepare(
            leading
              ? 'SELECT true'
              : 'SELECT pg_try_advisory_lock(hashtext(current_schema()), hashtext(?))',
          )
          .pluck()
          .get(...(leading ? [] : [role])) as boolean;
        leading = held;
      } catch {
        drop();
      }
      return leading;
    },
    stop: drop,
  };
}
