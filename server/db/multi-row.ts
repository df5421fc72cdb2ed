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
      const count = Math.min(this.perStatement, rows.length - at);
      const statement = this.statementFor(count);
      // The parameters of `count` rows in one array, filled in place (no copies of the rows).
      const width = rows[at]!.length;
      const params = new Array<unknown>(count * width);
      for (let r = 0; r < count; r++) {
        const row = rows[at + r]!;
        for (let c = 0; c < width; c++) params[r * width + c] = row[c];
      }
      if (statement.reader) for (const row of statement.all(params)) returned.push(row);
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
