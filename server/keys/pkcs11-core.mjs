// PKCS#11 for Ed25519 (PKCS#11 3.0: CKK_EC_EDWARDS, CKM_EC_EDWARDS_KEY_PAIR_GEN, CKM_EDDSA),
// through pkcs11js. Plain JavaScript, so that the import's signing worker threads load it as
// they are: each thread opens its own session. Every failure becomes a Pkcs11Failure whose
// message is one line naming the problem (module, token, PIN, key, or the token going away).
import pkcs11js from 'pkcs11js';
import { Pkcs11Failure } from './pkcs11-failure.mjs';

const CKK_EC_EDWARDS = 0x40;
const CKM_EC_EDWARDS_KEY_PAIR_GEN = 0x1055;
const CKM_EDDSA = 0x1057;
/** DER of the OID 1.3.101.112 (id-Ed25519), the curve of CKA_EC_PARAMS. */
const ED25519_OID = Buffer.from('06032b6570', 'hex');

export { Pkcs11Failure };

const codeOf = (error) =>
  error && typeof error.message === 'string' ? error.message : String(error);
const GONE = [
  'CKR_DEVICE_REMOVED',
  'CKR_TOKEN_NOT_PRESENT',
  'CKR_SESSION_HANDLE_INVALID',
  'CKR_SESSION_CLOSED',
  'CKR_DEVICE_ERROR',
  'CKR_KEY_HANDLE_INVALID',
  'CKR_OBJECT_HANDLE_INVALID',
  'CKR_CRYPTOKI_NOT_INITIALIZED',
];

/** Re-throws a PKCS#11 error as a one-line Pkcs11Failure about `what`. */
function fail(what, error) {
  if (error instanceof Pkcs11Failure) throw error;
  const code = codeOf(error);
  if (GONE.includes(code))
    throw new Pkcs11Failure(`the PKCS#11 token went away while ${what} (${code})`, code);
  throw new Pkcs11Failure(`PKCS#11 failed while ${what} (${code})`, code);
}

/** A CK_ULONG as stored (4 or 8 bytes, little-endian on the platforms Node runs on). */
const ulong = (bytes) => {
  const b = Buffer.from(bytes);
  return b.length === 8 ? Number(b.readBigUInt64LE(0)) : b.readUInt32LE(0);
};
const text = (bytes) =>
  Buffer.from(bytes)
    .toString('utf8')
    .replace(/[\s\0]+$/, '');

/**
 * Loads the module, finds the token (by label, else by slot id, else the only one), opens a
 * session and logs in. `config`: { module, token?, slot?, pin }.
 */
export function openToken(config) {
  const p = new pkcs11js.PKCS11();
  try {
    p.load(config.module);
  } catch (error) {
    throw new Pkcs11Failure(
      `cannot load the PKCS#11 module ${config.module}: ${codeOf(error).split('\n')[0]}`,
      'MODULE',
    );
  }
  try {
    // The import's signing threads share the module: it must do its own locking.
    p.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
  } catch (error) {
    if (codeOf(error) !== 'CKR_CRYPTOKI_ALREADY_INITIALIZED')
      fail('initialising the module', error);
  }
  let slot;
  let label;
  try {
    const slots = p
      .C_GetSlotList(true)
      .map((handle) => ({ handle, label: text(p.C_GetTokenInfo(handle).label) }))
      .filter((s) => s.label !== ''); // uninitialised tokens
    const found =
      config.token !== undefined
        ? slots.find((s) => s.label === config.token)
        : config.slot !== undefined
          ? slots.find((s) => ulong(s.handle) === config.slot)
          : slots.length === 1
            ? slots[0]
            : undefined;
    if (!found) {
      const names = slots.map((s) => s.label).join(', ') || 'none';
      throw new Pkcs11Failure(
        config.token !== undefined
          ? `no PKCS#11 token labelled "${config.token}" (tokens present: ${names})`
          : config.slot !== undefined
            ? `no PKCS#11 token in slot ${config.slot} (tokens present: ${names})`
            : `say which PKCS#11 token to use (HALLMARK_PKCS11_TOKEN); tokens present: ${names}`,
        'TOKEN',
      );
    }
    slot = found.handle;
    label = found.label;
  } catch (error) {
    fail('looking for the token', error);
  }
  let session;
  try {
    session = p.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
  } catch (error) {
    fail(`opening a session on token "${label}"`, error);
  }
  try {
    p.C_Login(session, pkcs11js.CKU_USER, config.pin);
  } catch (error) {
    const code = codeOf(error);
    if (code === 'CKR_PIN_INCORRECT')
      throw new Pkcs11Failure(
        `the PKCS#11 token "${label}" refused the PIN (CKR_PIN_INCORRECT)`,
        code,
      );
    if (code === 'CKR_PIN_LOCKED')
      throw new Pkcs11Failure(
        `the PKCS#11 token "${label}" has locked its PIN (CKR_PIN_LOCKED)`,
        code,
      );
    if (code !== 'CKR_USER_ALREADY_LOGGED_IN') fail(`logging in to token "${label}"`, error);
  }
  return { p, session, label };
}

function findObjects(token, template) {
  const { p, session } = token;
  p.C_FindObjectsInit(session, template);
  try {
    return p.C_FindObjects(session, 16);
  } finally {
    p.C_FindObjectsFinal(session);
  }
}

/** The 32-byte Ed25519 public key from CKA_EC_POINT (a DER OCTET STRING, or the raw bytes). */
function ecPoint(bytes) {
  const b = Buffer.from(bytes);
  if (b.length === 34 && b[0] === 0x04 && b[1] === 0x20) return new Uint8Array(b.subarray(2));
  if (b.length === 32) return new Uint8Array(b);
  throw new Pkcs11Failure(`unexpected CKA_EC_POINT of ${b.length} bytes`, 'KEY');
}

/**
 * Finds the Ed25519 key pair labelled `label`: the private key handle and the public key.
 * @throws Pkcs11Failure when it is missing, or not a sensitive, non-extractable Ed25519 key
 */
export function findKey(token, label) {
  try {
    const [privateKey] = findObjects(token, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
      { type: pkcs11js.CKA_LABEL, value: label },
    ]);
    if (privateKey === undefined)
      throw new Pkcs11Failure(
        `no private key labelled "${label}" in PKCS#11 token "${token.label}"`,
        'KEY',
      );
    const [type, sensitive, extractable] = token.p.C_GetAttributeValue(token.session, privateKey, [
      { type: pkcs11js.CKA_KEY_TYPE },
      { type: pkcs11js.CKA_SENSITIVE },
      { type: pkcs11js.CKA_EXTRACTABLE },
    ]);
    if (ulong(type.value) !== CKK_EC_EDWARDS)
      throw new Pkcs11Failure(`the key labelled "${label}" is not an Ed25519 key`, 'KEY');
    if (sensitive.value[0] !== 1 || extractable.value[0] !== 0)
      throw new Pkcs11Failure(
        `the key labelled "${label}" can leave the token (CKA_SENSITIVE must be true, CKA_EXTRACTABLE false)`,
        'KEY',
      );
    const [publicKey] = findObjects(token, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY },
      { type: pkcs11js.CKA_LABEL, value: label },
    ]);
    if (publicKey === undefined)
      throw new Pkcs11Failure(`no public key labelled "${label}" in the token`, 'KEY');
    const [point] = token.p.C_GetAttributeValue(token.session, publicKey, [
      { type: pkcs11js.CKA_EC_POINT },
    ]);
    return { privateKey, publicKey: ecPoint(point.value) };
  } catch (error) {
    fail(`looking for key "${label}"`, error);
  }
}

/** Generates an Ed25519 key pair in the token: private half sensitive, never extractable. */
export function generateKey(token, label, id) {
  try {
    const common = [
      { type: pkcs11js.CKA_TOKEN, value: true },
      { type: pkcs11js.CKA_LABEL, value: label },
      { type: pkcs11js.CKA_ID, value: Buffer.from(id) },
    ];
    const { publicKey } = token.p.C_GenerateKeyPair(
      token.session,
      { mechanism: CKM_EC_EDWARDS_KEY_PAIR_GEN },
      [
        ...common,
        { type: pkcs11js.CKA_EC_PARAMS, value: ED25519_OID },
        { type: pkcs11js.CKA_VERIFY, value: true },
      ],
      [
        ...common,
        { type: pkcs11js.CKA_PRIVATE, value: true },
        { type: pkcs11js.CKA_SENSITIVE, value: true },
        { type: pkcs11js.CKA_EXTRACTABLE, value: false },
        { type: pkcs11js.CKA_SIGN, value: true },
      ],
    );
    const [point] = token.p.C_GetAttributeValue(token.session, publicKey, [
      { type: pkcs11js.CKA_EC_POINT },
    ]);
    return ecPoint(point.value);
  } catch (error) {
    fail(`generating key "${label}"`, error);
  }
}

/** Signs `data` with CKM_EDDSA (pure Ed25519): 64 bytes. */
export function signWith(token, privateKey, data) {
  try {
    token.p.C_SignInit(token.session, { mechanism: CKM_EDDSA }, privateKey);
    return new Uint8Array(token.p.C_Sign(token.session, Buffer.from(data), Buffer.alloc(64)));
  } catch (error) {
    fail('signing', error);
  }
}

/** Closes the session (the module stays loaded: other threads may use it). */
export function closeToken(token) {
  try {
    token.p.C_CloseSession(token.session);
  } catch {
    // already gone
  }
}
