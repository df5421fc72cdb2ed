// One thread of `hsmRawRate` (hsm-raw.ts): its own PKCS#11 session signs for a fixed time.
import { parentPort, workerData } from 'node:worker_threads';
import { closeToken, findKey, openToken, signWith } from '../../server/keys/pkcs11-core.mjs';

const { config, label, ms } = workerData;
const token = openToken(config);
const { privateKey } = findKey(token, label);
const message = Buffer.alloc(300, 7);
for (let i = 0; i < 50; i++) signWith(token, privateKey, message); // warm-up
// Every thread starts when told, so that all sessions sign at the same time.
parentPort.once('message', () => {
  let count = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 10; i++) signWith(token, privateKey, message);
    count += 10;
    now = performance.now();
  }
  closeToken(token);
  parentPort.postMessage(count / ((now - start) / 1000));
});
parentPort.postMessage('ready');
