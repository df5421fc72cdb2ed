import { describe, expect, it } from 'vitest';
import {
  canonicalClaimsJson,
  claimsSchema,
  dateToDays,
  daysToDate,
  displayTextProblem,
  parseClaims,
} from '../../shared/claims.ts';
import { ErrorCode, HallmarkError } from '../../shared/errors.ts';
import { parseWatchInput, watchClaims } from '../../shared/watch-input.ts';
import { sampleClaims } from '../helpers/fixtures.ts';

function fieldsOf(fn: () => unknown): Record<string, string> {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(HallmarkError);
    expect((error as HallmarkError).code).toBe(ErrorCode.VALIDATION_FAILED);
    return Object.fromEntries((error as HallmarkError).fields!.map((f) => [f.path, f.message]));
  }
  throw new Error('expected a validation error');
}

describe('claims schema', () => {
  it('accepts the typical certificate', () => {
    expect(claimsSchema.safeParse(sampleClaims()).success).toBe(true);
  });

  it.each([
    ['sn', 'hb26a0012345'],
    ['sn', 'AB'],
    ['sn', 'A'.repeat(33)],
    ['sn', 'HB26 0012'],
    ['iss', 'hub'],
    ['iss', 'TOOLONGCODE'],
    ['ref', ' 441'],
    ['ref', '441  NX'],
    ['ref', 'R'.repeat(33)],
    ['mdl', ''],
    ['mdl', 'x'.repeat(65)],
    ['mdl', 'Big\u202eBang'],
    ['mdl', 'Big\u200bBang'],
    ['mdl', 'Big\nBang'],
    ['mdl', ' Big Bang'],
    ['mdl', 'Cafe\u0301'],
    ['cas', 'y'.repeat(41)],
    ['cal', 'z'.repeat(33)],
    ['mfd', '2026-02-30'],
    ['mfd', '2026-13-01'],
    ['mfd', '1899-12-31'],
    ['mfd', '26-03-02'],
    ['mfd', '2026-12-01'],
    ['iat', 1_500_000_000],
    ['iat', 1.5],
    ['sli', -1],
    ['gen', 0],
  ] as const)('refuses %s = %j', (field, value) => {
    const result = claimsSchema.safeParse({ ...sampleClaims(), [field]: value });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path[0])).toContain(field);
  });

  it('accepts real dates like 2024-02-29 and Unicode model names in NFC', () => {
    expect(claimsSchema.safeParse(sampleClaims({ mfd: '2024-02-29' })).success).toBe(true);
    expect(
      claimsSchema.safeParse(sampleClaims({ mdl: 'Montre Café — Édition 2026 ®' })).success,
    ).toBe(true);
    expect(
      claimsSchema.safeParse(sampleClaims({ mdl: '<img src=x onerror=alert(1)>' })).success,
    ).toBe(true);
  });

  it('reports every failing field at once', () => {
    const fields = fieldsOf(() =>
      parseClaims({ ...sampleClaims(), sn: 'x', mfd: '2026-02-30', gen: 0, extra: 1 }),
    );
    expect(Object.keys(fields).sort()).toEqual(['extra', 'gen', 'mfd', 'sn']);
  });

  it('canonical JSON has a fixed member order and no whitespace, whatever the input order', () => {
    const shuffled = Object.fromEntries(Object.entries(sampleClaims()).reverse()) as ReturnType<
      typeof sampleClaims
    >;
    expect(canonicalClaimsJson(shuffled)).toBe(
      '{"v":1,"iss":"HUB","sn":"HB26A0012345","ref":"441.NX.1170.RX","mdl":"Big Bang Unico 42 mm","cas":"King Gold","cal":"HUB1280","mfd":"2026-03-02","iat":1789996400,"sli":1234567,"gen":1}',
    );
  });

  it('converts dates to day counts and back', () => {
    expect(dateToDays('1900-01-01')).toBe(0);
    expect(daysToDate(dateToDays('2026-03-02')!)).toBe('2026-03-02');
    expect(dateToDays('2023-02-29')).toBeUndefined();
  });
});

describe('watch input (API and importer field names)', () => {
  it('normalises: trims, collapses spaces, NFC, upper-cases serial and issuer', () => {
    const input = parseWatchInput({
      serial: ' hb26a0012345 ',
      reference: '441.NX.1170.RX ',
      model: '  Cafe\u0301   Racer ',
      caseMaterial: 'King Gold',
      calibre: 'HUB1280',
      manufacturedOn: '2026-03-02',
      issuer: 'hub',
    });
    expect(input).toMatchObject({
      serial: 'HB26A0012345',
      reference: '441.NX.1170.RX',
      model: 'Café Racer',
      issuer: 'HUB',
    });
  });

  it('names missing, unknown and invalid fields in the caller vocabulary, all at once', () => {
    const fields = fieldsOf(() =>
      parseWatchInput({
        serial: 12,
        model: 'x'.repeat(65),
        manufacturedOn: '2026-02-30',
        colour: 'red',
      }),
    );
    expect(fields).toEqual({
      serial: 'must be a string',
      reference: 'is required',
      model: 'must be at most 64 characters',
      caseMaterial: 'is required',
      calibre: 'is required',
      manufacturedOn: 'is not a real calendar date',
      colour: 'is not a known field',
    });
  });

  it('reports cross-field errors under input names', () => {
    const input = parseWatchInput({
      serial: 'HB1',
      reference: 'R',
      model: 'M',
      caseMaterial: 'C',
      calibre: 'K',
      manufacturedOn: '2030-01-01',
    });
    const fields = fieldsOf(() =>
      watchClaims(input, { issuer: 'HUB', issuedAt: 1_790_000_000, statusIndex: 0, generation: 1 }),
    );
    expect(fields).toEqual({ manufacturedOn: 'is after the issue time' });
  });
});

describe('display text: the printable ASCII shortcut', () => {
  it('holds: every printable ASCII character is a letter, digit, punctuation, symbol or space', () => {
    const classes = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
    for (let code = 0x20; code <= 0x7e; code++) {
      const c = String.fromCharCode(code);
      expect(classes.test(c), `U+${code.toString(16)}`).toBe(true);
      expect(displayTextProblem(`a${c}b`, 64), `U+${code.toString(16)}`).toBeUndefined();
    }
    // Outside it, the full rules still apply.
    expect(displayTextProblem('a\tb', 64)).toBe('contains a control or invisible character');
    expect(displayTextProblem('a\u200bb', 64)).toBe('contains a control or invisible character');
    expect(displayTextProblem(' ab', 64)).toBe('has leading, trailing or double spaces');
  });
});
