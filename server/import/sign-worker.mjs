// Signs JWS signing inputs with Node's native Ed25519. Keys arrive once each, as a kid and its
// 32-byte seed (thread memory, never logged); batches arrive as a kid and an array of strings.
import { createPrivateKey, sign } from 'node:crypto';
import { parentPort } from 'node:worker_threads';

const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const keys = new Map();

parentPort.on('message', (message) => {
  if (message.key) {
    const { kid, seed } = message.key;
    keys.set(
      kid,
      createPrivateKey({
        key: Buffer.concat([PKCS8_PREFIX, Buffer.from(seed)]),
        format: 'der',
        type: 'pkcs8',
      }),
    );
    return;
  }
  const { id, kid, inputs } = message;
  const key = keys.get(kid);
  if (!key) throw new Error(`no key ${kid} in this signer`);
  const out = new Uint8Array(inputs.length * 64);
  for (let i = 0; i < inputs.length; i++)
    out.set(sign(null, Buffer.from(inputs[i], 'latin1'), key), i * 64);
  parentPort.postMessage({ id, signatures: out }, [out.buffer]);
});
