/**
 * Multi-row INSERT statements for the bulk paths: one statement of up to `perStatement` rows
 * costs one call into SQLite instead of one per row. Statements are prepared once per row
 * count (a full batch, and each remainder size as it occurs).
 */
import type { Db, Statement } from './database.ts';

export class MultiRowInsert {
  private readonly statements = new Map<number, Statement>();

  /**
   * @param head `INSERT INTO t (a, b)`, before VALUES
   * @param row one row's placeholders, e.g. `(?, ?)`
   * @param tail what follows the rows, e.g. `RETURNING id`
   */
  constructor(
    private readonly db: Db,
    private readonly head: string,
    private readonly row: string,
    private readonly tail = '',
    private readonly perStatement = 64,
  ) {}

  /** Inserts `rows` (each an array of its parameters), in order; returns RETURNING rows, if any. */
  run(rows: readonly (readonly unknown[])[]): unknown[] {
    const returned: unknown[] = [];
    for (let at = 0; at < rows.length; at += this.perStatement) {
      const batch = rows.slice(at, at + this.perStatement);
      const statement = this.statementFor(batch.length);
      const params = batch.flat();
      if (statement.reader) returned.push(...statement.all(params));
      else statement.run(params);
    }
    return returned;
  }

  private statementFor(count: number): Statement {
    let statement = this.statements.get(count);
    if (!statement) {
      const values = Array.from({ length: count }, () => this.row).join(', ');
      statement = this.db.prepare(`${this.head} VALUES ${values} ${this.tail}`);
      this.statements.set(count, statement);
    }
    return statement;
  }
}
