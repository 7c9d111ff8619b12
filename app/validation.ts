import type { z } from 'zod';
import { AppError } from '../domain/errors.ts';

/** Parses input with a schema, or fails with every faulty field at once. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new AppError({
    kind: 'ValidationFailed',
    errors: result.error.issues.map((issue) => ({
      path: issue.path.length > 0 ? issue.path.map(String).join('.') : '(corps)',
      message: issue.message,
    })),
  });
}
