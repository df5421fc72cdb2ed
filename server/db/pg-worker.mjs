// The PostgreSQL side of the synchronous data layer (postgres.ts): a worker thread that holds
// the connections (node-postgres) and runs each request while the calling thread waits for it
// (synckit: a SharedArrayBuffer and Atomics.wait). One request is one call: a statement, or
// the few statements that make an autocommitted write atomic under the registry's write lock.
import pg from 'pg';
import { runAsWorker } from 'synckit';
import { nameThisThread } from '../thread-name.mjs';

nameThisThread('hm-postgres');

// Counts and sums come back as int8 and numeric: numbers, as SQLite gives them. Every integer
// the registry stores fits in 2^53 (epoch seconds, indexes, counts).
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

/** @type {Map<number, { client: pg.Client, lockKey: string }>} */
const connections = new Map();
let nextId = 1;

/** An error as plain data (the calling thread rebuilds it): pg's fields that say what failed. */
function failure(error) {
  const e = /** @type {Record<string, unknown>} */ (error);
  return {
    error: {
      message: String(e.message ?? error),
      code: typeof e.code === 'string' ? e.code : undefined,
      constraint: typeof e.constraint === 'string' ? e.constraint : undefined,
      detail: typeof e.detail === 'string' ? e.detail : undefined,
      table: typeof e.table === 'string' ? e.table : undefined,
    },
  };
}

async function run(client, request) {
  const query = { text: request.sql, values: request.params, rowMode: request.rowMode };
  if (request.op === 'query') {
    const result = await client.query(query);
    return { rows: result.rows, rowCount: result.rowCount ?? 0 };
  }
  if (request.op === 'write') {
    // An autocommitted write, atomic under the write lock (what SQLite's single writer gives).
    await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${request.lockKey})`);
    try {
      const result = await client.query(query);
      await client.query('COMMIT');
      return { rows: result.rows, rowCount: result.rowCount ?? 0 };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    }
  }
  if (request.op === 'exec') {
    await client.query(request.sql);
    return { rows: [], rowCount: 0 };
  }
  throw new Error(`unknown request ${request.op}`);
}

runAsWorker(async (request) => {
  try {
    if (request.op === 'connect') {
      const client = new pg.Client({ connectionString: request.url, application_name: 'hallmark' });
      // A connection that drops (server restart, network) is reported on its next request.
      client.on('error', () => {});
      await client.connect();
      // Waits for a lock give up as SQLite's busy timeout does, rather than hanging forever.
      await client.query(`SET lock_timeout = '${Number(request.lockTimeoutMs)}ms'`);
      if (request.readonly) await client.query('SET default_transaction_read_only = on');
      const { rows } = await client.query('SELECT hashtext(current_schema())::bigint AS key');
      const id = nextId++;
      connections.set(id, { client, lockKey: String(rows[0].key) });
      return { id, lockKey: String(rows[0].key) };
    }
    const connection = connections.get(request.id);
    if (!connection) throw new Error('the database connection is closed');
    if (request.op === 'close') {
      connections.delete(request.id);
      await connection.client.end();
      return { rows: [], rowCount: 0 };
    }
    return await run(connection.client, request);
  } catch (error) {
    return failure(error);
  }
});
