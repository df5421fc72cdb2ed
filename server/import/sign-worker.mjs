// Signs JWS signing inputs with Node's native Ed25519. The key arrives once, as the 32-byte
// seed in workerData (thread memory, never logged); batches arrive as arrays of strings.
import { createPrivateKey, sign } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';

const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const key = createPrivateKey({
  key: Buffer.concat([PKCS8_PREFIX, Buffer.from(workerData.seed)]),
  format: 'der',
  type: 'pkcs8',
});

parentPort.on('message', ({ id, inputs }) => {
  const out = new Uint8Array(inputs.length * 64);
  for (let i = 0; i < inputs.length; i++)
    out.set(sign(null, Buffer.from(inputs[i], 'latin1'), key), i * 64);
  parentPort.postMessage({ id, signatures: out }, [out.buffer]);
});
