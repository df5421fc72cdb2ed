/** The append-only audit trail: who (token label), what, when, which serial, why. */
import type { Db } from '../db/database.ts';
import { MultiRowInsert } from '../db/multi-row.ts';

export interface AuditEvent {
  at: number;
  actor: string;
  action: string;
  serial?: string | undefined;
  detail?: Record<string, unknown> | undefined;
  reason?: string | undefined;
}

export interface StoredEvent extends AuditEvent {
  id: number;
}

export class EventLog {
  private readonly insert;
  private readonly bySerial;

  constructor(private readonly db: Db) {
    this.insert = new MultiRowInsert(
      db,
      'INSERT INTO events (at, actor, action, serial, detail, reason)',
      '(?, ?, ?, ?, ?, ?)',
    );
    this.bySerial = db.prepare('SELECT * FROM events WHERE serial = ? ORDER BY id');
  }

  /** Appends an event (inside the caller's transaction, when there is one). */
  append(e: AuditEvent): void {
    this.appendMany([e]);
  }

  /** Appends events in order, in multi-row statements (the bulk import's path). */
  appendMany(events: readonly AuditEvent[]): void {
    this.insert.run(
      events.map((e) => [
        e.at,
        e.actor,
        e.action,
        e.serial ?? null,
        e.detail ? JSON.stringify(e.detail) : null,
        e.reason ?? null,
      ]),
    );
  }

  /** Events about one serial, oldest first. */
  forSerial(serial: string): StoredEvent[] {
    return (
      this.bySerial.all(serial) as {
        id: number;
        at: number;
        actor: string;
        action: string;
        serial: string;
        detail: string | null;
        reason: string | null;
      }[]
    ).map((r) => ({
      id: r.id,
      at: r.at,
      actor: r.actor,
      action: r.action,
      serial: r.serial,
      detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : undefined,
      reason: r.reason ?? undefined,
    }));
  }

  /** All events of an action, oldest first (for tests and audits). */
  byAction(action: string): StoredEvent[] {
    return this.db
      .prepare('SELECT * FROM events WHERE action = ? ORDER BY id')
      .all(action) as StoredEvent[];
  }
}
