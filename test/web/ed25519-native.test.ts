/**
 * The page's native Ed25519 (WebCrypto, BoringSSL in Chromium) gives exactly the strict
 * verifier's verdicts (noble, `zip215: false`) on every external vector: RFC 8032, Wycheproof,
 * ZIP-215 and the edge cases. Run in real Chromium, in a secure context, where WebCrypto has
 * Ed25519, and also in Node (OpenSSL). The test also proves the native path is really taken
 * (genuine signatures never reach the fallback), so it cannot pass by falling back always.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { nobleStrict } from '../helpers/noble.ts';
import * as esbuild from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHex, toHex, utf8 } from '../../shared/bytes.ts';
import { ed25519VerifyNative, nativeStats } from '../../shared/ed25519-native.ts';
import { launchChromium } from '../helpers/browser.ts';

const noble = nobleStrict;

const here = dirname(fileURLToPath(import.meta.url));
const vectors = join(here, '..', 'vectors', 'external');
const load = <T>(name: string) => JSON.parse(readFileSync(join(vectors, name), 'utf8')) as T;

type Case = { name: string; sig: string; msg: string; pk: string };
const cases: Case[] = [];
for (const [i, v] of load<{ pub: string; msg: string; sig: string }[]>(
  'rfc8032-ed25519.json',
).entries())
  cases.push({ name: `RFC 8032 #${i + 1}`, sig: v.sig, msg: v.msg, pk: v.pub });
for (const g of load<{
  testGroups: { publicKey: { pk: string }; tests: { tcId: number; msg: string; sig: string }[] }[];
}>('wycheproof_ed25519_test.json').testGroups)
  for (const t of g.tests)
    cases.push({ name: `Wycheproof ${t.tcId}`, sig: t.sig, msg: t.msg, pk: g.publicKey.pk });
for (const [i, c] of load<{ message: string; pub_key: string; signature: string }[]>(
  'noble_edge-cases.json',
).entries())
  cases.push({ name: `edge case ${i}`, sig: c.signature, msg: c.message, pk: c.pub_key });
for (const [i, c] of load<{ vk_bytes: string; sig_bytes: string }[]>('noble_zip215.json').entries())
  cases.push({ name: `ZIP-215 ${i}`, sig: c.sig_bytes, msg: toHex(utf8('Zcash')), pk: c.vk_bytes });

/** RFC 8032's cofactorless equation [S]B = R + [k]A, exactly: what BoringSSL and OpenSSL check. */
function cofactorless(c: Case): boolean {
  try {
    const sig = fromHex(c.sig);
    const A = ed.Point.fromBytes(fromHex(c.pk));
    const R = ed.Point.fromBytes(sig.subarray(0, 32));
    const L = ed.Point.CURVE().n;
    const le = (b: Uint8Array) => BigInt(`0x${toHex(Uint8Array.from(b).reverse())}`);
    const k =
      le(sha512(new Uint8Array([...sig.subarray(0, 32), ...fromHex(c.pk), ...fromHex(c.msg)]))) % L;
    const s = le(sig.subarray(32));
    const SB = s === 0n ? ed.Point.ZERO : ed.Point.BASE.multiply(s);
    return SB.equals(R.add(k === 0n ? ed.Point.ZERO : A.multiply(k)));
  } catch {
    return false;
  }
}

const expected = cases.map((c) => noble(fromHex(c.sig), fromHex(c.msg), fromHex(c.pk)));

let browser: Browser;
let server: Server;
let url: string;

beforeAll(async () => {
  const bundle = await esbuild.build({
    stdin: {
      contents: `import { ed25519VerifyNative, nativeStats } from './shared/ed25519-native.ts';
        import { fromHex } from './shared/bytes.ts';
        globalThis.run = async (cases) => {
          const verdicts = [];
          const natively = [];
          for (const c of cases) {
            const before = nativeStats.native;
            verdicts.push(await ed25519VerifyNative(fromHex(c.sig), fromHex(c.msg), fromHex(c.pk)));
            natively.push(nativeStats.native > before);
          }
          return { verdicts, natively, stats: { ...nativeStats } };
        };`,
      resolveDir: join(here, '..', '..'),
      loader: 'ts',
    },
    bundle: true,
    format: 'iife',
    write: false,
    logLevel: 'silent',
  });
  const script = bundle.outputFiles[0]!.text;
  server = createServer((req, res) => {
    if (req.url === '/native.js') res.setHeader('Content-Type', 'text/javascript').end(script);
    else
      res
        .setHeader('Content-Type', 'text/html')
        .end('<!doctype html><script src="/native.js"></script>');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  server?.close();
});

describe('native Ed25519 ≡ strict noble verification', () => {
  it('in Chromium (BoringSSL), on every external vector', async () => {
    expect(cases.length).toBeGreaterThan(350);
    const page = await browser.newPage();
    await page.goto(url);
    expect(await page.evaluate(() => isSecureContext && 'subtle' in crypto)).toBe(true);
    const { verdicts, natively, stats } = await page.evaluate(
      (c) =>
        (
          globalThis as unknown as {
            run(c: Case[]): Promise<{
              verdicts: boolean[];
              natively: boolean[];
              stats: Record<string, number>;
            }>;
          }
        ).run(c),
      cases,
    );
    for (const [i, c] of cases.entries()) expect(verdicts[i], c.name).toBe(expected[i]);
    expect(stats.unsupported).toBe(0);
    // Every valid signature was accepted natively, except exactly those that only the
    // cofactored equation accepts (a crafted small-order component): the fallback's job.
    expect(expected.filter(Boolean).length).toBeGreaterThan(50);
    for (const [i, c] of cases.entries())
      if (expected[i]) expect(natively[i], c.name).toBe(cofactorless(c));
    expect(cases.filter((c, i) => expected[i] && !cofactorless(c)).length).toBeGreaterThan(0);
  });

  it('in Node (OpenSSL), on every external vector', async () => {
    const before = nativeStats.native;
    for (const [i, c] of cases.entries())
      expect(await ed25519VerifyNative(fromHex(c.sig), fromHex(c.msg), fromHex(c.pk)), c.name).toBe(
        expected[i],
      );
    expect(nativeStats.native - before).toBe(
      cases.filter((c, i) => expected[i] && cofactorless(c)).length,
    );
  });

  it('without WebCrypto Ed25519, the strict verifier answers alone, the same', async () => {
    const none = {
      importKey: () => Promise.reject(new DOMException('no Ed25519', 'NotSupportedError')),
      verify: () => Promise.reject(new Error('unreachable')),
    } as unknown as SubtleCrypto;
    for (const [i, c] of cases.entries())
      expect(
        await ed25519VerifyNative(fromHex(c.sig), fromHex(c.msg), fromHex(c.pk), none),
        c.name,
      ).toBe(expected[i]);
  });
});
