import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { keySetFromJwks } from '../../shared/keys.ts';
import { verify } from '../../shared/verify.ts';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'defects');
const keys = keySetFromJwks(JSON.parse(readFileSync(join(dir, 'jwks.json'), 'utf8')));
const files = readdirSync(dir).filter((f) => f.includes('--') && f.endsWith('.json'));

describe('one fixture per defect, named after the code it must produce', () => {
  it('has fixtures for every rejection code the verifier emits', () => {
    const codes = new Set(files.map((f) => f.split('--')[0]));
    for (const code of [
      'OK',
      'NOT_A_CERTIFICATE',
      'MALFORMED',
      'UNSUPPORTED_VERSION',
      'UNKNOWN_KEY',
      'KEY_NOT_VALID_AT_ISSUE_TIME',
      'BAD_ALGORITHM',
      'SIGNATURE_INVALID',
      'CLAIMS_INVALID',
      'ISSUED_IN_FUTURE',
    ]) {
      expect(codes.has(code), code).toBe(true);
    }
  });

  it.each(files)('%s', (file) => {
    const fixture = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { input: string; now: number };
    const verdict = verify(fixture.input, keys, { now: fixture.now });
    const expected = file.split('--')[0];
    expect(verdict.ok ? 'OK' : verdict.code).toBe(expected);
  });
});
