/**
 * The trust list: which brands exist, their display names and verification hosts, and the
 * public keys each brand signs with (with their validity windows), signed by the operator's
 * offline root key. It is the only way a page or a retailer learns that a key speaks for a
 * brand: whoever can change a served file, but not sign with the root key, gains nothing.
 * (The EU Digital COVID Certificate gateway's model: one signed list over many issuers.)
 *
 * Form: a compact JWS, header `{"alg":"Ed25519","kid":<root kid>,"typ":"hallmark-trust+jwt"}`,
 * payload the canonical JSON of `TrustListPayload`. Keys are written as `x` (and their window)
 * only: the kid is their RFC 7638 thumbprint, recomputed by every reader, never believed.
 * `seq` grows with every list the operator signs, so a reader refuses to go back to an older
 * list (a replayed list could otherwise resurrect a withdrawn key).
 */
import * as z from 'zod/mini';
import { displayText, issuerCode } from './claims.ts';
import { ErrorCode, HallmarkError } from './errors.ts';
import {
  ACCEPTED_ALGORITHMS,
  jsonPayload,
  parseCompactJws,
  signCompactJws,
  type SignFn,
} from './jws.ts';
import type { KeySet } from './key-set.ts';
import { isBaseUrl } from './qr.ts';
import { parseCosignerKey } from './tlog/cosignature.ts';
import { parseVerifierKey } from './tlog/note.ts';
import { parseOrThrow } from './validation.ts';
import { strictPublicKey } from './ed25519.ts';
import {
  invalid,
  keysOf,
  logPolicyOf,
  type KeptTrustList,
  type TrustList,
} from './trust-list-core.ts';
import { verifySignature } from './verify-core.ts';

/** The JWS header `typ` of a trust list. */
export const TRUST_LIST_TYP = 'hallmark-trust+jwt';
/** Bounds that keep a hostile list from costing more than a bounded parse. */
export const MAX_BRANDS = 1000;
export const MAX_KEYS_PER_BRAND = 32;

const seconds = z.int().check(z.minimum(0), z.maximum(0xffff_ffff));

const trustedKeyEntry = z.strictObject({
  x: z.string().check(z.regex(/^[A-Za-z0-9_-]{43}$/, 'must be 32 bytes in base64url')),
  nbf: seconds,
  exp: z.optional(seconds),
  /** Compromised since (epoch seconds): carried to pages so they judge offline too. */
  cs: z.optional(seconds),
});

const baseUrl = z
  .string()
  .check(
    z.maxLength(200, 'must be at most 200 characters'),
    z.refine(isBaseUrl, 'must be an http(s) URL without query or fragment'),
  );

const brandEntry = z.strictObject({
  code: issuerCode,
  name: displayText(64),
  url: z.optional(baseUrl),
  keys: z
    .array(trustedKeyEntry)
    .check(z.maxLength(MAX_KEYS_PER_BRAND, `must hold at most ${MAX_KEYS_PER_BRAND} keys`)),
});

/** Most witnesses a list names for the log. */
export const MAX_WITNESSES = 16;

const parses = (parse: (text: string) => unknown) => (text: string) => {
  try {
    parse(text);
    return true;
  } catch {
    return false;
  }
};

/** The issuance log: its checkpoint key (named by its origin) and its witness policy. */
const logEntry = z
  .strictObject({
    key: z
      .string()
      .check(
        z.maxLength(300, 'must be at most 300 characters'),
        z.refine(parses(parseVerifierKey), 'must be an Ed25519 note verifier key'),
      ),
    witnesses: z.optional(
      z
        .array(
          z
            .string()
            .check(
              z.maxLength(300, 'must be at most 300 characters'),
              z.refine(parses(parseCosignerKey), 'must be an Ed25519 cosignature/v1 key'),
            ),
        )
        .check(z.maxLength(MAX_WITNESSES, `must hold at most ${MAX_WITNESSES} witnesses`)),
    ),
    /** Cosignatures of distinct listed witnesses that verifiers require. */
    quorum: z.optional(z.int().check(z.minimum(1), z.maximum(MAX_WITNESSES))),
    /** When the log started: certificates issued since then must be in it. */
    since: z.optional(seconds),
  })
  .check(
    z.refine(
      (l) => (l.quorum ?? 0) <= (l.witnesses?.length ?? 0),
      'quorum must not exceed the number of witnesses',
    ),
  );

export const trustListPayloadSchema = z.strictObject({
  v: z.literal(1),
  /** Grows with every signed list; readers never accept a lower one than they have seen. */
  seq: z.int().check(z.minimum(1), z.maximum(Number.MAX_SAFE_INTEGER)),
  /** When the list was signed (epoch seconds). */
  iat: seconds,
  brands: z
    .array(brandEntry)
    .check(z.maxLength(MAX_BRANDS, `must hold at most ${MAX_BRANDS} brands`)),
  log: z.optional(logEntry),
});

export type TrustListPayload = z.infer<typeof trustListPayloadSchema>;
export type TrustListBrand = TrustListPayload['brands'][number];

/** Brand entries in a fixed order, keys in a fixed order: the JSON the signature covers. */
export function canonicalTrustListJson(payload: TrustListPayload): string {
  const brands = [...payload.brands]
    .sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0))
    .map((b) => ({
      code: b.code,
      name: b.name,
      ...(b.url === undefined ? {} : { url: b.url }),
      keys: [...b.keys]
        .sort((p, q) => p.nbf - q.nbf || (p.x < q.x ? -1 : 1))
        .map((k) => ({
          x: k.x,
          nbf: k.nbf,
          ...(k.exp === undefined ? {} : { exp: k.exp }),
          ...(k.cs === undefined ? {} : { cs: k.cs }),
        })),
    }));
  const log = payload.log && {
    key: payload.log.key,
    ...(payload.log.witnesses === undefined
      ? {}
      : { witnesses: [...payload.log.witnesses].sort() }),
    ...(payload.log.quorum === undefined ? {} : { quorum: payload.log.quorum }),
    ...(payload.log.since === undefined ? {} : { since: payload.log.since }),
  };
  return JSON.stringify({
    v: payload.v,
    seq: payload.seq,
    iat: payload.iat,
    brands,
    ...(log ? { log } : {}),
  });
}

/**
 * Checks the payload and signs it with the root key.
 * @throws HallmarkError VALIDATION_FAILED (every bad field) or TRUST_LIST_INVALID (a key in two brands)
 */
export function signTrustList(payload: unknown, rootKid: string, sign: SignFn): string {
  const valid = parseOrThrow(
    trustListPayloadSchema,
    payload,
    ErrorCode.VALIDATION_FAILED,
    'trust list is invalid',
  );
  keysOf(valid);
  return signCompactJws(
    { alg: 'Ed25519', kid: rootKid, typ: TRUST_LIST_TYP },
    canonicalTrustListJson(valid),
    sign,
  );
}

/**
 * Verifies a trust list against the root keys and builds the key set it vouches for.
 * Never trusts a brand, a key or a name that the root's signature does not cover.
 * @throws HallmarkError TRUST_LIST_INVALID (with the reason) for anything wrong
 */
export function verifyTrustList(jws: string, roots: KeySet): TrustList {
  try {
    const text = jws.trim();
    const parsed = parseCompactJws(text);
    const { alg, kid, typ } = parsed.header;
    if (typ !== TRUST_LIST_TYP) throw invalid('not a trust list');
    if (typeof alg !== 'string' || !ACCEPTED_ALGORITHMS.includes(alg))
      throw invalid('algorithm not accepted');
    const root = roots.find((r) => r.kid === kid);
    if (!root) throw invalid('not signed by a trusted root key');
    if (!verifySignature(parsed.signature, parsed.signingInput, root.publicKey))
      throw invalid('the root signature does not match');
    const payload = parseOrThrow(
      trustListPayloadSchema,
      jsonPayload(parsed, 'the trust list'),
      ErrorCode.TRUST_LIST_INVALID,
      'the trust list payload is invalid',
    );
    if (canonicalTrustListJson(payload) !== new TextDecoder().decode(parsed.payload))
      throw invalid('the trust list is not in canonical form');
    const list: TrustList = { payload, keys: keysOf(payload), rootKid: root.kid, jws: text };
    const log = logPolicyOf(payload);
    if (log) list.log = log;
    return list;
  } catch (error) {
    if (error instanceof HallmarkError && error.code === ErrorCode.TRUST_LIST_INVALID) throw error;
    throw new HallmarkError(
      ErrorCode.TRUST_LIST_INVALID,
      `trust list refused: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/**
 * The newer of the list held and a candidate: the candidate only when its `seq` is higher,
 * or equal with the same content (a refetch). A lower `seq` is a rollback and is refused.
 * @throws HallmarkError TRUST_LIST_INVALID on a rollback or a second list with the same seq
 */
export function newerTrustList(held: TrustList | undefined, candidate: TrustList): TrustList {
  if (!held || candidate.payload.seq > held.payload.seq) return candidate;
  if (candidate.payload.seq === held.payload.seq) {
    if (canonicalTrustListJson(candidate.payload) === canonicalTrustListJson(held.payload))
      return held;
    throw invalid(`two different trust lists carry seq ${held.payload.seq}`);
  }
  throw invalid(`trust list seq ${candidate.payload.seq} is older than ${held.payload.seq}`);
}

/**
 * A verified list in its kept form (`KeptTrustList`), for whoever verified it (the page's
 * build, the page itself) to use again without verifying, parsing with schemas or hashing.
 * Marked `strict` when every key passes the strict verifier's public-key check (a point
 * decompression per key), unless `strict` says already whether they do: the same list kept
 * before with the mark, say.
 */
export function keepTrustList(list: TrustList, strict?: boolean): KeptTrustList {
  const kept: KeptTrustList = {
    jws: list.jws,
    rootKid: list.rootKid,
    kids: list.keys.map((k) => k.kid),
  };
  if (strict ?? list.keys.every((k) => strictPublicKey(k.publicKey) !== undefined))
    kept.strict = true;
  return kept;
}

export * from './trust-list-core.ts';
