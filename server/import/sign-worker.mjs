// Signs JWS signing inputs with Node's native Ed25519, or in a PKCS#11 token. Keys arrive once
// each: a kid and its 32-byte seed (thread memory, never logged), or a kid and the token's
// configuration and key label (this thread then opens its own session). Batches arrive as a
// kid and an array of strings (signing inputs), or as a kid, a protected header and payloads
// (canonical JSON texts): then this thread also builds each signing input, the compact JWS and
// its issuance-log leaf, so that the importer's writer does not. A token failure is reported
// back with its one-line message.
import { createPrivateKey, sign } from 'node:crypto';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { certificateLeafOf } from '../log/certificate-leaf.mjs';
import { nameThisThread } from '../thread-name.mjs';

const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
// The importer's writer thread is the pipeline's critical path: on Linux (where it applies to
// this thread alone), this thread yields the CPU to it when both want it.
if (process.platform === 'linux') setPriority(0, 5);
nameThisThread('hm-sign');
const keys = new Map();
// The PKCS#11 binding, loaded with the first batch for a key in a token: a thread that signs
// natively never loads it (its native module costs a thread's start-up about 25 ms).
let pkcs11Core;
const pkcs11 = () => (pkcs11Core ??= import('../keys/pkcs11-core.mjs'));

parentPort.on('message', async (message) => {
  if (message.key?.pkcs11) {
    const { kid, pkcs11 } = message.key;
    keys.set(kid, { pkcs11 }); // opened on first use, so a failure reaches a batch's caller
    return;
  }
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
  const { id, kid, header, payloads } = message;
  const key = keys.get(kid);
  if (!key) throw new Error(`no key ${kid} in this signer`);
  // RFC 7515 §5.1: the signing input is the protected header and the payload, base64url, joined by '.'.
  const inputs =
    message.inputs ??
    payloads.map((json) => `${header}.${Buffer.from(json, 'utf8').toString('base64url')}`);
  const out = new Uint8Array(inputs.length * 64);
  try {
    if (key.pkcs11) {
      const { findKey, openToken, signWith } = await pkcs11();
      if (!key.token) {
        const token = openToken(key.pkcs11.config);
        key.token = { token, privateKey: findKey(token, key.pkcs11.label).privateKey };
      }
      const { token, privateKey } = key.token;
      for (let i = 0; i < inputs.length; i++)
        out.set(signWith(token, privateKey, Buffer.from(inputs[i], 'latin1')), i * 64);
    } else {
      for (let i = 0; i < inputs.length; i++)
        out.set(sign(null, Buffer.from(inputs[i], 'latin1'), key), i * 64);
    }
  } catch (error) {
    parentPort.postMessage({ id, error: error.message });
    return;
  }
  if (payloads === undefined) {
    parentPort.postMessage({ id, signatures: out }, [out.buffer]);
    return;
  }
  const jws = new Array(inputs.length);
  const leaves = new Uint8Array(inputs.length * 32);
  for (let i = 0; i < inputs.length; i++) {
    jws[i] = `${inputs[i]}.${Buffer.from(out.buffer, i * 64, 64).toString('base64url')}`;
    leaves.set(certificateLeafOf(jws[i]), i * 32);
  }
  parentPort.postMessage({ id, signatures: out, jws, leaves }, [out.buffer, leaves.buffer]);
});
