// Reads an ERP file in a worker thread (decoding and CSV parsing are most of an import's
// reading cost), and hands its records to the importer in batches. At most WINDOW batches are
// ahead of the importer at any time: memory stays flat whatever the file's size.
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { readRowBatches } from './read-rows.mjs';
import { nameThisThread } from '../thread-name.mjs';

nameThisThread('hm-read');
const BATCH = 500;
const WINDOW = 4;

let ahead = 0;
let wake;
parentPort.on('message', (message) => {
  if (message === 'ack') {
    ahead--;
    wake?.();
  }
});
const room = () =>
  ahead < WINDOW
    ? undefined
    : new Promise((resolve) => {
        wake = () => {
          wake = undefined;
          resolve();
        };
      });

// Until its first rows are out, this thread is the import's critical path (nothing can be
// checked or signed before them), while the signers start and the keys' scrypts run. From then
// on the importer's writer thread is: on Linux (where it applies to this thread alone), this
// thread yields the CPU to it when both want it. Measured: the first rows reach the importer
// about 80 ms sooner.
let yielding = false;
const send = async (rows) => {
  ahead++;
  parentPort.postMessage({ rows });
  if (!yielding) {
    yielding = true;
    if (process.platform === 'linux') setPriority(0, 5);
  }
  await room();
};

try {
  const { path, ...options } = workerData;
  let rows = [];
  for await (const batch of readRowBatches(path, {
    ...options,
    onHeader: (columns) => parentPort.postMessage({ header: columns }),
  })) {
    for (const row of batch) rows.push(row);
    if (rows.length >= BATCH) {
      await send(rows);
      rows = [];
    }
  }
  if (rows.length > 0) await send(rows);
  parentPort.postMessage({ end: true });
} catch (error) {
  parentPort.postMessage({ error: { message: error.message, code: error.code } });
}
