/** A status list's payload is checked member by member (no schema library on the page). */
import { describe, expect, it } from 'vitest';
import { parseStatusListPayload } from '../../shared/status-list.ts';

const valid = {
  iss: 'HUB',
  lst: 0,
  size: 1 << 20,
  bits: 2,
  iat: 1_790_000_000,
  ttl: 3600,
  lst_gz: 'H4sIAAAA',
};

function fieldsOf(input: unknown): { path: string; message: string }[] {
  try {
    parseStatusListPayload(input);
  } catch (error) {
    expect(error).toMatchObject({ code: 'CLAIMS_INVALID' });
    return (error as { fields: { path: string; message: string }[] }).fields;
  }
  throw new Error('accepted');
}

describe('status list payload', () => {
  it('accepts a well-formed payload as it is', () => {
    expect(parseStatusListPayload(valid)).toBe(valid);
    expect(parseStatusListPayload({ ...valid, size: 8, ttl: 30 * 86_400 })).toMatchObject({
      size: 8,
    });
  });

  it.each([
    ['iss', 'hub', 'must be a brand code'],
    ['iss', 7, 'must be a brand code'],
    ['lst', -1, 'must be an integer ≥ 0'],
    ['lst', 1.5, 'must be an integer ≥ 0'],
    ['size', 4, 'must be an integer from 8 to 16777216'],
    ['size', 1 << 25, 'must be an integer from 8 to 16777216'],
    ['bits', 1, 'must be 2'],
    ['iat', '1790000000', 'must be an integer ≥ 0'],
    ['ttl', 59, 'must be an integer from 60 to 2592000'],
    ['ttl', 30 * 86_400 + 1, 'must be an integer from 60 to 2592000'],
    ['lst_gz', 'H4s+IA==', 'must be base64url'],
    ['lst_gz', '', 'must be base64url'],
  ])('refuses %s = %j, naming the field', (path, value, message) => {
    expect(fieldsOf({ ...valid, [path]: value })).toEqual([{ path, message }]);
  });

  it('names every missing and unknown member at once', () => {
    const rest: Record<string, unknown> = { ...valid, extra: 1 };
    delete rest.iat;
    delete rest.ttl;
    expect(fieldsOf(rest)).toEqual([
      { path: 'extra', message: 'is not a known field' },
      { path: 'iat', message: 'is required' },
      { path: 'ttl', message: 'is required' },
    ]);
  });

  it('refuses what is not an object', () => {
    for (const input of [null, [], 'x', 3])
      expect(fieldsOf(input)).toEqual([{ path: '(root)', message: 'must be an object' }]);
    // A member named like a prototype property is unknown, not inherited.
    expect(fieldsOf({ ...valid, toString: 1 })).toEqual([
      { path: 'toString', message: 'is not a known field' },
    ]);
  });
});
