import type * as z from 'zod/mini';
import { safeParse as zSafeParse } from 'zod/v4/core';
import { HallmarkError, type ErrorCode, type FieldError } from './errors.ts';

const pathText = (path: readonly PropertyKey[]) =>
  path.length === 0 ? '(root)' : path.map(String).join('.');

/**
 * Flattens zod issues into `{ path, message }` pairs, every failing field at once.
 * zod/mini ships no message locale (it keeps the page small), so the common issue kinds
 * get precise wording here; unknown members are reported one by one under their own path.
 */
export function fieldErrors(error: z.core.$ZodError): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        out.push({ path: pathText([...issue.path, key]), message: 'is not a known field' });
      continue;
    }
    out.push({ path: pathText(issue.path), message: describe(issue) });
  }
  return out;
}

function describe(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'is required' : `must be ${article(issue.expected)}`;
    case 'invalid_value':
      return `must be ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}`;
    case 'too_big':
      return issue.message !== 'Invalid input'
        ? issue.message
        : `must be at most ${String(issue.maximum)}`;
    case 'too_small':
      return issue.message !== 'Invalid input'
        ? issue.message
        : `must be at least ${String(issue.minimum)}`;
    default:
      return issue.message;
  }
}

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

/**
 * Parses `input` with `schema`, or throws a HallmarkError with `code` and every failing field.
 * `reportInput` lets the messages tell a missing field from a wrong type; input values are
 * never copied into messages.
 */
export function parseOrThrow<T extends z.core.$ZodType>(
  schema: T,
  input: unknown,
  code: ErrorCode,
  message: string,
): z.core.output<T> {
  const result = zSafeParse(schema, input, { reportInput: true });
  if (!result.success)
    throw new HallmarkError(code, message, { fields: fieldErrors(result.error) });
  return result.data;
}
