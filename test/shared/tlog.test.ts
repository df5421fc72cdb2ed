/**
 * The issuance log's pure core against external vectors and the C2SP specifications' own
 * examples: RFC 6962 roots and proofs, the Go sumdb/note signed note (verified, and signed
 * again byte for byte from its signer key), checkpoints, and the tile layout.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex, utf8 } from '../../shared/bytes.ts';
import {
  checkpointText,
  openCheckpoint,
  parseCheckpointText,
} from '../../shared/tlog/checkpoint.ts';
import {
  consistencyProof,
  inclusionProof,
  leafHash,
  treeHash,
  verifyConsistency,
  verifyInclusion,
} from '../../shared/tlog/merkle.ts';
import {
  formatVerifierKey,
  noteSigner,
  openNote,
  parseVerifierKey,
  signNote,
} from '../../shared/tlog/note.ts';
import { tileIndexPath, tilePath, tilesOf } from '../../shared/tlog/tiles.ts';

ed.hashes.sha512 = sha512;
const vectors = join(dirname(fileURLToPath(import.meta.url)), '..', 'vectors', 'external');
const merkle = JSON.parse(readFileSync(join(vectors, 'rfc6962-merkle.json'), 'utf8')) as {
  leaves: string[];
  roots: string[];
  inclusion: { index: number; size: number; proof: string[] }[];
  consistency: { first: number; second: number; proof: string[] }[];
};
const note = JSON.parse(readFileSync(join(vectors, 'sumdb-note.json'), 'utf8')) as Record<
  string,
  string
>;
const leaves = merkle.leaves.map((l) => leafHash(fromHex(l)));
const hexes = (xs: Uint8Array[]) => xs.map(toHex);
const fails = (fn: () => void) =>
  expect(fn).toThrow(expect.objectContaining({ code: 'PROOF_INVALID' }));

describe('RFC 6962 Merkle trees', () => {
  it('the roots of the trees of size 1 to 8', () => {
    for (let size = 1; size <= 8; size++)
      expect(toHex(treeHash(leaves, 0, size))).toBe(merkle.roots[size - 1]);
    expect(toHex(treeHash([]))).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it('the vectors’ inclusion proofs: made the same, verified, and refused for another leaf', () => {
    for (const v of merkle.inclusion) {
      expect(hexes(inclusionProof(leaves, v.index, v.size))).toEqual(v.proof);
      const root = fromHex(merkle.roots[v.size - 1]!);
      verifyInclusion(v.index, v.size, leaves[v.index]!, v.proof.map(fromHex), root);
      fails(() =>
        verifyInclusion(v.index - 1, v.size, leaves[v.index]!, v.proof.map(fromHex), root),
      );
      fails(() =>
        verifyInclusion(v.index, v.size, leaves[v.index - 1]!, v.proof.map(fromHex), root),
      );
    }
  });

  it('the vectors’ consistency proofs: made the same, verified, and refused for another head', () => {
    for (const v of merkle.consistency) {
      expect(hexes(consistencyProof(leaves, v.first, v.second))).toEqual(v.proof);
      const [a, b] = [fromHex(merkle.roots[v.first - 1]!), fromHex(merkle.roots[v.second - 1]!)];
      verifyConsistency(v.first, v.second, v.proof.map(fromHex), a, b);
      fails(() =>
        verifyConsistency(v.first, v.second, v.proof.map(fromHex), fromHex(merkle.roots[0]!), b),
      );
      fails(() => verifyConsistency(v.first, v.second, v.proof.map(fromHex).slice(1), a, b));
    }
  });

  it('any inclusion and consistency proof of a random tree verifies; any changed byte is refused', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.nat(),
        fc.nat(),
        fc.nat(),
        (size, i, j, flip) => {
          const tree = Array.from({ length: size }, (_, k) => leafHash(utf8(`entry ${k}`)));
          const root = treeHash(tree);
          const index = i % size;
          const proof = inclusionProof(tree, index);
          verifyInclusion(index, size, tree[index]!, proof, root);
          const first = 1 + (j % size);
          const consistency = consistencyProof(tree, first);
          verifyConsistency(first, size, consistency, treeHash(tree, 0, first), root);
          if (proof.length > 0) {
            const bad = proof.map((p) => Uint8Array.from(p));
            bad[flip % bad.length]![flip % 32]! ^= 1;
            fails(() => verifyInclusion(index, size, tree[index]!, bad, root));
          }
          if (consistency.length > 0) {
            const bad = consistency.map((p) => Uint8Array.from(p));
            bad[flip % bad.length]![flip % 32]! ^= 1;
            fails(() => verifyConsistency(first, size, bad, treeHash(tree, 0, first), root));
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('two different heads of one size are a fork', () => {
    fails(() => verifyConsistency(3, 3, [], fromHex(merkle.roots[2]!), fromHex(merkle.roots[3]!)));
    verifyConsistency(3, 3, [], fromHex(merkle.roots[2]!), fromHex(merkle.roots[2]!));
  });
});

describe('signed notes (C2SP signed-note, Go sumdb/note vector)', () => {
  it('verifies the Go note, and refuses it with one letter changed', () => {
    const key = parseVerifierKey(note.verifierKey!);
    expect(key.name).toBe('PeterNeumann');
    expect(formatVerifierKey(key.name, key.publicKey)).toBe(note.verifierKey);
    expect(openNote(note.note!, [key]).text).toBe(note.text);
    expect(() => openNote(note.note!.replace('cryptography', 'cryptographY'), [key])).toThrow(
      expect.objectContaining({ code: 'NOTE_INVALID' }),
    );
    const stranger = parseVerifierKey(
      formatVerifierKey('Stranger', ed.getPublicKey(new Uint8Array(32))),
    );
    expect(() => openNote(note.note!, [stranger])).toThrow(/no trusted key/);
  });

  it('signs the Go note again, byte for byte, from its signer key', () => {
    const seed = Uint8Array.from(atob(note.signerKey!.split('+').slice(4).join('+')), (c) =>
      c.charCodeAt(0),
    ).subarray(1);
    const publicKey = ed.getPublicKey(seed);
    const signed = signNote(note.text!, [
      noteSigner('PeterNeumann', { publicKey, sign: (m) => ed.sign(m, seed) }),
    ]);
    expect(signed).toBe(note.note);
  });

  it('refuses malformed notes', () => {
    const key = parseVerifierKey(note.verifierKey!);
    for (const bad of [
      note.text!, // no signatures
      note.note!.replace('\n\n', '\n'),
      note.note!.replace('— ', '- '),
      `${note.note!.slice(0, -1)}`, // no final newline
      note.note!.replace('If', 'If\u0007'),
    ])
      expect(() => openNote(bad, [key])).toThrow(expect.objectContaining({ code: 'NOTE_INVALID' }));
    expect(() =>
      parseVerifierKey('PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'),
    ).toThrow(/key ID/);
  });
});

describe('checkpoints and tiles', () => {
  it('a checkpoint is origin, size and root; another origin is refused', () => {
    const seed = new Uint8Array(32).fill(7);
    const publicKey = ed.getPublicKey(seed);
    const origin = 'verify.hallmark.example/log';
    const signer = noteSigner(origin, { publicKey, sign: (m) => ed.sign(m, seed) });
    const text = checkpointText({ origin, size: 8, root: fromHex(merkle.roots[7]!) });
    expect(text).toBe(`${origin}\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n`);
    const signed = signNote(text, [signer]);
    expect(openCheckpoint(signed, origin, [signer]).size).toBe(8);
    expect(() => openCheckpoint(signed, 'other.example/log', [signer])).toThrow(/not of other/);
    expect(() => parseCheckpointText(`${origin}\n08\n${text.split('\n')[2]}\n`)).toThrow();
  });

  it('tile paths and the tiles of a tree, as the specification’s examples give them', () => {
    expect(tileIndexPath(1234067)).toBe('x001/x234/067');
    expect(tileIndexPath(5)).toBe('005');
    expect(tilePath(0, 1234067)).toBe('tile/0/x001/x234/067');
    expect(tilePath('entries', 3, 17)).toBe('tile/entries/003.p/17');
    const t = tilesOf(70_000);
    expect(t.filter((x) => x.level === 0 && x.width === 256)).toHaveLength(273);
    expect(t.filter((x) => x.width < 256)).toEqual([
      { level: 0, n: 273, width: 112 },
      { level: 1, n: 1, width: 17 },
      { level: 2, n: 0, width: 1 },
    ]);
    expect(t.filter((x) => x.level === 1 && x.width === 256)).toHaveLength(1);
    expect(tilesOf(256)).toEqual([
      { level: 0, n: 0, width: 256 },
      { level: 1, n: 0, width: 1 },
    ]);
  });
});
