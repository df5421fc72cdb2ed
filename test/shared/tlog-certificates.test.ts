/**
 * The log's certificate-facing pieces: the log index in the QR's compact form (strict, one
 * byte form, never signed), certificate entries, tile paths as served, C2SP tlog-proof texts
 * and Ed25519 cosignatures (checked again with Node's own Ed25519 over the message built from
 * the tlog-cosignature text, not with our code).
 */
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { concatBytes, utf8 } from '../../shared/bytes.ts';
import { signCertificate } from '../../shared/certificate.ts';
import { decodeCompact, encodeCompact, MAX_LOG_INDEX } from '../../shared/compact.ts';
import { fromQr, toQr } from '../../shared/qr.ts';
import { checkpointText } from '../../shared/tlog/checkpoint.ts';
import {
  cosign,
  formatCosignerKey,
  parseCosignerKey,
  verifyCosignatures,
} from '../../shared/tlog/cosignature.ts';
import { certificateEntry } from '../../shared/tlog/entry.ts';
import { inclusionProof, leafHash, treeHash } from '../../shared/tlog/merkle.ts';
import { noteSigner, parseNote, signNote, unb64 } from '../../shared/tlog/note.ts';
import { formatTlogProof, parseTlogProof, verifyTlogProof } from '../../shared/tlog/proof.ts';
import { parseTilePath, tilePath } from '../../shared/tlog/tiles.ts';
import { verify } from '../../shared/verify.ts';
import { BASE_URL, NOW, sampleClaims, testKey, trust } from '../helpers/fixtures.ts';

const key = testKey('brand');
const cert = signCertificate(sampleClaims(), key.kid, key.sign);
const keys = trust({ key, notBefore: NOW - 86_400_000, brand: 'HUB' });

describe('the log index in the compact form', () => {
  it('round-trips, costs a few bytes, and is not signed: any index verifies the same signature', () => {
    const plain = encodeCompact(cert);
    for (const logIndex of [0, 1, 127, 128, 300_000, MAX_LOG_INDEX]) {
      const bytes = encodeCompact({ ...cert, logIndex });
      expect(bytes.length - plain.length).toBeLessThanOrEqual(5);
      expect(decodeCompact(bytes).logIndex).toBe(logIndex);
      const verdict = verify(toQr({ ...cert, logIndex }, BASE_URL).text, keys, { now: NOW });
      expect(verdict).toMatchObject({ ok: true, logIndex, jws: cert.jws });
    }
    expect(decodeCompact(plain).logIndex).toBeUndefined();
    expect(() => encodeCompact({ ...cert, logIndex: MAX_LOG_INDEX + 1 })).toThrow(RangeError);
  });

  it('has one byte form: a non-minimal index, a flag with no index, or a truncated one are refused', () => {
    const bytes = encodeCompact({ ...cert, logIndex: 5 });
    expect(bytes[0]).toBe(0x81);
    expect(bytes[1]).toBe(5);
    const padded = concatBytes(Uint8Array.of(0x81, 0x85, 0x00), bytes.subarray(2));
    expect(() => decodeCompact(padded)).toThrow(/non-minimal/);
    const flagOnly = concatBytes(Uint8Array.of(0x81), encodeCompact(cert).subarray(1));
    expect(() => decodeCompact(flagOnly)).toThrow();
    expect(() =>
      decodeCompact(Uint8Array.of(0x81, 0xff, 0xff, 0xff, 0xff, 0xff, ...new Uint8Array(80))),
    ).toThrow();
    expect(() => decodeCompact(Uint8Array.of(0x82, ...bytes.subarray(1)))).toThrow(/version 2/);
  });

  it('the QR parser returns it; the leaf is computed from the rebuilt JWS', () => {
    const qr = toQr({ ...cert, logIndex: 77 }, BASE_URL);
    expect(fromQr(qr.text).certificate.logIndex).toBe(77);
    const entry = certificateEntry(cert.jws);
    expect(entry[0]).toBe(1);
    expect(entry.subarray(1)).toEqual(sha256(utf8(cert.jws)));
  });
});

describe('tile paths as served', () => {
  it('parses exactly what tilePath writes, and nothing else', () => {
    for (const [level, n, width] of [
      [0, 0, 256],
      [0, 1234067, 17],
      [2, 999, 1],
      ['entries', 1000, 255],
    ] as const) {
      const path = tilePath(level, n, width).slice('tile/'.length);
      expect(parseTilePath(path)).toEqual({ level, n, width });
    }
    for (const bad of [
      '0/1',
      '0/x001',
      '0/001/',
      '0/000.p/0',
      '0/000.p/256',
      '0/000.p/001',
      '64/000',
      '-1/000',
      '0/x000/001',
      'entries/000.p',
      'data/000',
    ])
      expect(parseTilePath(bad), bad).toBeUndefined();
  });
});

describe('tlog-proof and cosignatures', () => {
  const origin = 'verify.hallmark.example/log';
  const logKey = testKey('log');
  const signer = noteSigner(origin, logKey);
  const leaves = Array.from({ length: 20 }, (_, i) => leafHash(utf8(`entry ${i}`)));

  it('a proof round-trips and verifies only for its leaf, under the log key and a witness quorum', () => {
    const note = signNote(checkpointText({ origin, size: 20, root: treeHash(leaves) }), [signer]);
    const w = testKey('witness');
    const witness = {
      ...parseCosignerKey(formatCosignerKey('witness.example/w1', w.publicKey)),
      sign: w.sign,
    };
    const cosigned = note + cosign(parseNote(note).text, witness, 1_790_000_000);
    const text = formatTlogProof({
      index: 13,
      proof: inclusionProof(leaves, 13),
      checkpoint: cosigned,
      extra: utf8('x'),
    });
    expect(text.split('\n').slice(0, 3)).toEqual([
      'c2sp.org/tlog-proof@v1',
      'extra eA==',
      'index 13',
    ]);
    expect(parseTlogProof(text).index).toBe(13);
    const policy = { origin, logKey: signer, witnesses: [witness], quorum: 1 };
    expect(verifyTlogProof(text, leaves[13]!, policy).checkpoint.witnessedBy).toEqual([
      'witness.example/w1',
    ]);
    expect(() => verifyTlogProof(text, leaves[12]!, policy)).toThrow(/does not lead/);
    const unwitnessed = formatTlogProof({
      index: 13,
      proof: inclusionProof(leaves, 13),
      checkpoint: note,
    });
    expect(() => verifyTlogProof(unwitnessed, leaves[13]!, policy)).toThrow(/0 of the 1 witness/);
    for (const bad of [
      '',
      'c2sp.org/tlog-proof@v2\nindex 1\n\n' + note,
      'c2sp.org/tlog-proof@v1\nindex 01\n\n' + note,
      'c2sp.org/tlog-proof@v1\nindex 1\nnot base64!\n\n' + note,
    ])
      expect(() => parseTlogProof(bad)).toThrow();
  });

  it('a cosignature is the tlog-cosignature/v1 message signed, checked again with Node crypto', () => {
    const w = testKey('witness 2');
    const vkey = formatCosignerKey('witness.example/w2', w.publicKey);
    const witness = { ...parseCosignerKey(vkey), sign: w.sign };
    const note = signNote(checkpointText({ origin, size: 3, root: new Uint8Array(32).fill(2) }), [
      signer,
    ]);
    const text = parseNote(note).text;
    const line = cosign(text, witness, 1_790_000_123);
    const bytes = unb64(/^— witness\.example\/w2 (\S+)\n$/.exec(line)![1]!);
    // key ID: SHA-256("witness.example/w2" || "\n" || 0x04 || key)[:4]
    expect(bytes.subarray(0, 4)).toEqual(
      sha256(concatBytes(utf8('witness.example/w2\n'), Uint8Array.of(4), w.publicKey)).subarray(
        0,
        4,
      ),
    );
    expect(new DataView(bytes.buffer, bytes.byteOffset + 4, 8).getBigUint64(0)).toBe(
      1_790_000_123n,
    );
    const message = Buffer.from(`cosignature/v1\ntime 1790000123\n${text}`);
    const publicKey = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(w.publicKey).toString('base64url') },
      format: 'jwk',
    });
    expect(nodeVerify(null, message, publicKey, bytes.subarray(12))).toBe(true);
    expect(verifyCosignatures(note + line, [witness]).map((v) => v.time)).toEqual([1_790_000_123]);
    // The log's own key does not pass for a witness, and a tampered cosignature is refused.
    expect(verifyCosignatures(note, [witness])).toEqual([]);
    const tampered = line.replace(/(.)\n$/, (_, c: string) => `${c === 'A' ? 'B' : 'A'}\n`);
    expect(() => verifyCosignatures(note + tampered, [witness])).toThrow();
  });
});
