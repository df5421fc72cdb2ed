/** Request validation with zod (classic) for server-only shapes: every failing field at once. */
import type { ZodType } from 'zod';
import { ApiError } from './errors.ts';

export function parseRequest<T>(
  schema: ZodType<T>,
  input: unknown,
  where: 'query' | 'params' | 'body',
): T {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  throw new ApiError(
    400,
    'VALIDATION_FAILED',
    `the request ${where} is invalid`,
    result.error.issues.flatMap((issue) => {
      if (issue.code === 'unrecognized_keys')
        return issue.keys.map((k) => ({
          path: [...issue.path, k].join('.'),
          message: 'is not a known field',
        }));
      return [
        { path: issue.path.length ? issue.path.join('.') : '(root)', message: issue.message },
      ];
    }),
  );
}
