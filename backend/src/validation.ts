import type { Schema } from '@arm-runner/contract';
import { ArmRunnerError } from './errors.ts';

/** Parses a value with a contract schema, or throws INVALID_REQUEST that lists each problem by field. */
export function parseOrThrow<T>(schema: Schema<T>, value: unknown, subject: string): T {
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) {
    const problems = parsed.issues.map((issue) => `${issue.path.join('.') || subject}: ${issue.message.replace(/\.$/, '')}`).join('; ');
    throw new ArmRunnerError('INVALID_REQUEST', `Invalid ${subject}: ${problems}. Correct these fields and send it again; docs/api.md lists every field.`);
  }
  return parsed.data;
}
