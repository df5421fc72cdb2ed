// Runs WAL checkpoints on its own connection and thread, so that the service's event loop
// never waits for a checkpoint's page copies and fsync. PASSIVE checkpoints do not block
// writers (https://www.sqlite.org/wal.html#ckpt). Plain JS: workers do not go through tsx.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { nameThisThread } from '../thread-name.mjs';

nameThisThread('hm-checkpoint');
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 1000');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    parentPort.postMessage({ error: String(error) });
  }
}, workerData.intervalMs);

parentPort.on('message', (message) => {
  if (message === 'stop') {
    clearInterval(timer);
    try {
      db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      db.close();
      parentPort.close();
    }
  }
});
