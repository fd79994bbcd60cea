import type { z } from 'zod';
import { ArmRunnerError } from './errors.ts';

/** Parses a value with a contract schema, or throws INVALID_REQUEST that lists each problem by field. */
export function parseOrThrow<Schema extends z.ZodType>(schema: Schema, value: unknown, subject: string): z.output<Schema> {
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || subject}: ${issue.message.replace(/\.$/, '')}`).join('; ');
    throw new ArmRunnerError('INVALID_REQUEST', `Invalid ${subject}: ${problems}. Correct these fields and send it again; docs/api.md lists every field.`);
  }
  return parsed.data;
}
