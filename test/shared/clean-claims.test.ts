/**
 * The zod-free fast checks (`cleanClaims`, `cleanWatchInput`) against the zod schemas that
 * define the rules: on plain objects they accept exactly what zod accepts and return exactly
 * what zod returns, for valid objects and for every kind of damage to one or more members.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { safeParse } from 'zod/v4/core';
import {
  canonicalClaimsJson,
  CLAIM_ORDER,
  claimsSchema,
  cleanClaims,
  parseClaims,
  type Claims,
} from '../../shared/claims.ts';
import { cleanWatchInput, parseWatchInput, watchInputSchema } from '../../shared/watch-input.ts';
import { HallmarkError } from '../../shared/errors.ts';

// Text that each rule treats specially: look-alike scripts, marks, invisible and blank
// characters, spacing, impossible dates, boundary lengths, case, non-NFC.
const tricky = [
  '',
  ' ',
  'A',
  'AB',
  'ABC',
  'abc-12',
  'ab',
  'HUB',
  'hub',
  'HUBLOTXXX',
  'A'.repeat(32),
  'A'.repeat(33),
  'x'.repeat(64),
  'x'.repeat(65),
  'é'.repeat(40),
  'é'.repeat(41),
  '-ABC',
  'AB C',
  'AB  C',
  ' AB',
  'AB ',
  'Rоlex',
  'Ωmega',
  'Ω 300M',
  'Часы Полёт',
  'Montre Café',
  'Cafe\u0301',
  'a\u0301\u0301\u0301\u0301',
  '\u0301a',
  'a\u200bb',
  'a\u202eb',
  '\u2800',
  'x\u3164',
  'tab\there',
  'line\nbreak',
  'ı',
  'ß',
  '2026-03-02',
  ' 2026-03-02 ',
  '2026-02-30',
  '2024-02-29',
  '2023-02-29',
  '1899-12-31',
  '1900-01-01',
  '2099-12-31',
  '2100-01-01',
  '2026-3-2',
  '441.NX.1170.RX',
  '441.NX 1170',
  'King Gold',
  'HUB1280',
  '🙂',
  '\ud800',
  'x'.repeat(1001),
  `ABC${' '.repeat(998)}`,
  `ABC${' '.repeat(997)}`,
];
const junk = fc.oneof(
  fc.constantFrom<unknown>(...tricky),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.integer(),
  fc.constantFrom<unknown>(
    0,
    1,
    2,
    -1,
    1.5,
    NaN,
    Infinity,
    2 ** 31 - 1,
    2 ** 31,
    2 ** 32 - 1,
    2 ** 32,
    1_577_836_799,
    1_577_836_800,
    65_535,
    65_536,
    Number.MAX_SAFE_INTEGER + 1,
    null,
    true,
    [],
    {},
    10n,
  ),
);

const arbText = (max: number) =>
  fc
    .array(fc.constantFrom(...'abcXYZ09 .-/éÅ®—'), { minLength: 1, maxLength: max })
    .map((cs) => cs.join('').replace(/\s+/g, ' ').trim())
    .filter((s) => s.length > 0);
const validClaims = fc.record({
  v: fc.constant(1),
  iss: fc.stringMatching(/^[A-Z0-9]{2,8}$/),
  sn: fc.stringMatching(/^[A-Z0-9][A-Z0-9./-]{2,31}$/),
  ref: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9./-]{0,31}$/),
  mdl: arbText(64),
  cas: arbText(40),
  cal: arbText(32),
  mfd: fc
    .date({ min: new Date('1900-01-01'), max: new Date('2099-12-31'), noInvalidDate: true })
    .map((d) => d.toISOString().slice(0, 10)),
  iat: fc.integer({ min: 1_577_836_800, max: 2 ** 32 - 1 }),
  sli: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  gen: fc.integer({ min: 1, max: 65_535 }),
});
const validInput = fc.record(
  {
    serial: fc.stringMatching(/^ ?[a-zA-Z0-9][A-Za-z0-9./-]{2,31} ?$/),
    reference: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9./ -]{0,31}$/),
    model: arbText(64).map((s) => ` ${s}  `),
    caseMaterial: arbText(40),
    calibre: arbText(32),
    manufacturedOn: validClaims.map((c) => c.mfd),
    issuer: fc.stringMatching(/^[a-zA-Z0-9]{2,8}$/),
  },
  { requiredKeys: ['serial', 'reference', 'model', 'caseMaterial', 'calibre', 'manufacturedOn'] },
);

const oddValue = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom<unknown>(...tricky) },
  { weight: 1, arbitrary: junk },
);

/**
 * Damaged objects: mostly one member replaced by a tricky text or junk (so that each rule
 * meets its edge cases alone, with nothing else to fail the object), else every member at
 * risk, then members removed or added.
 */
const damaged = <T extends Record<string, unknown>>(valid: fc.Arbitrary<T>) => {
  const one = valid.chain((value) =>
    fc.tuple(fc.nat(), oddValue).map(([n, odd]) => {
      const keys = Object.keys(value);
      return { ...value, [keys[n % keys.length]!]: odd } as Record<string, unknown>;
    }),
  );
  const many = valid.chain((value) =>
    fc.record(
      Object.fromEntries(
        Object.entries(value).map(([key, v]) => [
          key,
          fc.oneof({ weight: 3, arbitrary: fc.constant(v) }, { weight: 1, arbitrary: oddValue }),
        ]),
      ),
    ),
  );
  return fc.oneof({ weight: 3, arbitrary: one }, { weight: 1, arbitrary: many }).chain((value) =>
    fc
      .array(fc.tuple(fc.nat(), fc.constantFrom('delete', 'add'), junk), { maxLength: 1 })
      .map((changes) => {
        const out: Record<string, unknown> = { ...value };
        for (const [n, change, extra] of changes) {
          const keys = Object.keys(out);
          const key = keys[n % Math.max(1, keys.length)];
          if (change === 'add') out[`extra${n % 3}`] = extra;
          else if (key !== undefined) delete out[key];
        }
        return out;
      }),
  );
};

describe('cleanClaims is claimsSchema without zod', () => {
  it('accepts exactly what the schema accepts, with the same result', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof(validClaims, damaged(validClaims)), (input) => {
        const fast = cleanClaims(input);
        const slow = safeParse(claimsSchema, input);
        expect(fast !== undefined, JSON.stringify(slow.error?.issues)).toBe(slow.success);
        if (fast) {
          accepted++;
          expect(fast).toStrictEqual(slow.data);
        }
      }),
      { numRuns: 20_000 },
    );
    // Both ways were exercised: most valid objects, and many damaged ones.
    expect(accepted).toBeGreaterThan(5000);
    expect(accepted).toBeLessThan(17_000);
  });

  it('leaves anything that is not a plain object to zod, which still decides and words it', () => {
    const claims = fc.sample(validClaims, { numRuns: 1, seed: 3 })[0]!;
    for (const odd of [
      Object.assign(Object.create({ extra: 1 }) as object, claims),
      Object.assign(Object.create(null) as object, claims),
    ]) {
      const slow = safeParse(claimsSchema, odd);
      expect(cleanClaims(odd) === undefined || slow.success).toBe(true);
    }
    expect(cleanClaims([claims])).toBeUndefined();
    expect(cleanClaims(null)).toBeUndefined();
    expect(() => parseClaims({ ...claims, sn: 'a b' })).toThrow(HallmarkError);
    try {
      parseClaims({ ...claims, sn: 'a b', mdl: '' });
    } catch (error) {
      expect((error as HallmarkError).fields?.map((f) => f.path)).toEqual(['sn', 'mdl']);
    }
  });
});

describe('cleanWatchInput is watchInputSchema without zod', () => {
  it('accepts exactly what the schema accepts, normalised the same way', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof(validInput, damaged(validInput)), (input) => {
        const fast = cleanWatchInput(input);
        const slow = safeParse(watchInputSchema, input);
        // The one deliberate difference: an `issuer` member present but undefined goes to zod.
        const issuerUndefined = 'issuer' in input && input.issuer === undefined;
        if (!issuerUndefined)
          expect(fast !== undefined, JSON.stringify(slow.error?.issues)).toBe(slow.success);
        if (fast) {
          accepted++;
          expect(fast).toStrictEqual(slow.data);
        }
      }),
      { numRuns: 20_000 },
    );
    expect(accepted).toBeGreaterThan(5000);
    expect(accepted).toBeLessThan(17_000);
  });

  it('normalises text fields as trim, collapse white space, NFC, whether or not they take the ASCII shortcut', () => {
    // Both paths share the normaliser, so the test above cannot see a fault in it: here it is
    // held to its definition, on text that is already tidy ASCII (the shortcut) and text that is not.
    const definition = (s: string) => s.trim().replace(/\s+/g, ' ').normalize('NFC');
    const text = fc.oneof(
      fc.stringMatching(/^[!-~]{1,8}( [!-~]{1,8}){0,3}$/),
      fc
        .string({
          unit: fc.constantFrom(...tricky, 'a', ' ', '\t', '\u00a0', 'e\u0301', '\u2003'),
        })
        // Under the raw-length limit, which applies to the field as typed.
        .filter((s) => s.length <= 200),
    );
    let shortcut = 0;
    fc.assert(
      fc.property(text, (model) => {
        if (/^[!-~]+(?: [!-~]+)*$/.test(model)) shortcut++;
        const input = (m: string) => ({
          serial: 'HB1',
          reference: 'R1',
          model: m,
          caseMaterial: 'Gold',
          calibre: 'C1',
          manufacturedOn: '2026-03-02',
        });
        // The field as typed and the field already normalised by the definition: the same
        // answer on both paths (accepted or not, and the same value).
        for (const parse of [
          (m: string) => cleanWatchInput(input(m))?.model,
          (m: string) => safeParse(watchInputSchema, input(m)).data?.model,
        ]) {
          const typed = parse(model);
          expect(typed).toBe(parse(definition(model)));
          if (typed !== undefined) expect(typed).toBe(definition(model));
        }
      }),
      { numRuns: 5_000 },
    );
    expect(shortcut).toBeGreaterThan(1000);
  });

  it('reports field errors through zod as before', () => {
    try {
      parseWatchInput({ serial: 'x', model: 'Big Bang', extra: 1 });
      expect.unreachable();
    } catch (error) {
      expect((error as HallmarkError).fields?.map((f) => f.path)).toEqual([
        'serial',
        'reference',
        'caseMaterial',
        'calibre',
        'manufacturedOn',
        'extra',
      ]);
    }
  });
});

describe('canonical JSON of parsed claims', () => {
  it('is in canonical member order whatever the order of the input, on both paths', () => {
    fc.assert(
      fc.property(validClaims, fc.boolean(), (claims, nullPrototype) => {
        fc.pre(cleanClaims(claims) !== undefined); // (the generator may date a watch too late)
        const shuffled = Object.entries(claims).reverse();
        const input = nullPrototype
          ? Object.assign(Object.create(null) as object, Object.fromEntries(shuffled))
          : Object.fromEntries(shuffled);
        const expected = JSON.stringify(
          Object.fromEntries(CLAIM_ORDER.map((k) => [k, claims[k as keyof typeof claims]])),
        );
        expect(canonicalClaimsJson(parseClaims(input))).toBe(expected);
        expect(canonicalClaimsJson({ ...claims } as Claims)).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });
});
