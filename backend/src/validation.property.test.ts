import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AugmentRequestSchema, HandlerInstallRequestSchema, LogsQuerySchema, RunRequestSchema, type Schema } from '@arm-runner/contract';
import { ArmRunnerError } from './errors.ts';
import { parseOrThrow } from './validation.ts';

// A fixed seed keeps runs reproducible. A failure report also prints the seed
// and the path of the shrunk counterexample.
const options = { seed: 0x7a1, numRuns: 200 };

const body = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.constant(undefined),
  fc.record({ image: fc.jsonValue({ maxDepth: 2 }), publish: fc.jsonValue({ maxDepth: 3 }) }, { requiredKeys: [] }),
);

const SCHEMAS: [string, Schema<unknown>][] = [
  ['run request', RunRequestSchema],
  ['augment request', AugmentRequestSchema],
  ['handler request', HandlerInstallRequestSchema],
  ['logs query', LogsQuerySchema],
];

describe.each(SCHEMAS)('parseOrThrow with the %s schema', (subject, schema) => {
  it('returns the parsed value or throws INVALID_REQUEST', () => {
    fc.assert(
      fc.property(body, (value) => {
        const expected = schema.safeParse(value ?? {});
        let parsed: unknown;
        let thrown: unknown;
        try {
          parsed = parseOrThrow(schema, value, subject);
        } catch (error) {
          thrown = error;
        }

        if (expected.success) {
          expect(thrown).toBeUndefined();
          expect(parsed).toEqual(expected.data);
        } else {
          expect(thrown).toBeInstanceOf(ArmRunnerError);
          expect((thrown as ArmRunnerError).code).toBe('INVALID_REQUEST');
          expect((thrown as ArmRunnerError).message.startsWith(`Invalid ${subject}: `)).toBe(true);
        }
      }),
      options,
    );
  });
});
