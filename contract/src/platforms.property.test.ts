import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ARM_PLATFORMS, isArmPlatform } from './platforms.ts';

// A fixed seed keeps runs reproducible. A failure report also prints the seed
// and the path of the shrunk counterexample.
const options = { seed: 0x3b1e, numRuns: 300 };

// Docker's os/architecture/variant names of the three platforms ARM Runner emulates.
const EXPECTED_PLATFORMS = new Set(['linux/arm/v6', 'linux/arm/v7', 'linux/arm64']);

describe('isArmPlatform', () => {
  it('is true exactly for the listed platforms', () => {
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.constantFrom(...ARM_PLATFORMS, ...Object.getOwnPropertyNames(Object.prototype), 'linux/arm', 'arm64', 'linux/arm/v7 '),
      fc.constantFrom(...ARM_PLATFORMS).map((platform) => platform.toUpperCase()),
    );
    fc.assert(
      fc.property(text, (value) => {
        expect(isArmPlatform(value)).toBe(EXPECTED_PLATFORMS.has(value));
      }),
      options,
    );
  });
});
