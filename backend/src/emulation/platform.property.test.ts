import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ARM_PLATFORMS, type ArmPlatform } from '@arm-runner/contract';
import { ArmRunnerError } from '../errors.ts';
import { classifyImagePlatform, dockerArchitecture, isNativeOn, parsePlatform } from './platform.ts';

// A fixed seed keeps runs reproducible. A failure report also prints the seed
// and the path of the shrunk counterexample.
const options = { seed: 0x91a7, numRuns: 300 };

// The platform forms parsePlatform accepts: with or without "linux/", "arm"
// meaning arm/v7, arm64 with or without its only variant v8, and linux/aarch64.
const PLATFORM_FORMS: [string, ArmPlatform][] = [
  ['linux/arm/v6', 'linux/arm/v6'],
  ['arm/v6', 'linux/arm/v6'],
  ['linux/arm/v7', 'linux/arm/v7'],
  ['arm/v7', 'linux/arm/v7'],
  ['linux/arm', 'linux/arm/v7'],
  ['arm', 'linux/arm/v7'],
  ['linux/arm64', 'linux/arm64'],
  ['linux/arm64/v8', 'linux/arm64'],
  ['arm64', 'linux/arm64'],
  ['arm64/v8', 'linux/arm64'],
  ['linux/aarch64', 'linux/arm64'],
];
const ACCEPTED_FORMS = new Set(PLATFORM_FORMS.map(([form]) => form));

// Property names every plain object inherits. A parser that looks input up in
// an object literal must not take these for entries.
const INHERITED_NAMES = Object.getOwnPropertyNames(Object.prototype);

const whitespace = fc.string({ unit: fc.constantFrom(' ', '\t', '\n', '\r'), maxLength: 3 });

const formInAnyCase = fc
  .tuple(fc.constantFrom(...PLATFORM_FORMS), fc.array(fc.boolean(), { minLength: 16, maxLength: 16 }), whitespace, whitespace)
  .map(([[form, platform], upper, before, after]) => {
    const cased = [...form].map((character, index) => (upper[index] === true ? character.toUpperCase() : character)).join('');
    return { input: before + cased + after, platform };
  });

const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 100 }),
  fc.string({ unit: fc.constantFrom(...'linuxarm64v78/ '), maxLength: 20 }),
  fc.string({ unit: 'binary-ascii', minLength: 1000, maxLength: 5000 }),
  fc.constantFrom(...INHERITED_NAMES),
  formInAnyCase.map(({ input }) => input),
);

function expectPlatformOrInvalid(input: string): void {
  let platform: unknown;
  try {
    platform = parsePlatform(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ArmRunnerError);
    expect((error as ArmRunnerError).code).toBe('INVALID_PLATFORM');
    return;
  }
  expect(ARM_PLATFORMS).toContain(platform);
}

describe('parsePlatform', () => {
  it('returns an ARM platform or throws INVALID_PLATFORM', () => {
    fc.assert(fc.property(anyText, expectPlatformOrInvalid), options);
  });

  it('accepts every form in any case with surrounding whitespace', () => {
    fc.assert(
      fc.property(formInAnyCase, ({ input, platform }) => {
        expect(parsePlatform(input)).toBe(platform);
      }),
      options,
    );
  });

  it('returns a platform that parses to itself', () => {
    fc.assert(
      fc.property(formInAnyCase, ({ input }) => {
        const platform = parsePlatform(input);
        expect(parsePlatform(platform)).toBe(platform);
      }),
      options,
    );
  });

  it('rejects a form with a character inserted inside', () => {
    const inserted = fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), fc.constantFrom(';', '$(', '`', ' ', '/', '.', '-'));
    fc.assert(
      fc.property(fc.constantFrom(...ACCEPTED_FORMS), fc.nat(), inserted, (form, position, character) => {
        const index = 1 + (position % (form.length - 1));
        const input = form.slice(0, index) + character + form.slice(index);
        fc.pre(!ACCEPTED_FORMS.has(input.trim().toLowerCase()));

        expect(() => parsePlatform(input)).toThrowError(ArmRunnerError);
      }),
      options,
    );
  });
});

describe('classifyImagePlatform', () => {
  const field = fc.oneof(
    fc.constantFrom('linux', 'windows', 'arm', 'arm64', 'amd64', 'v5', 'v6', 'v7', 'v8', ''),
    fc.string({ unit: 'binary', maxLength: 20 }),
  );

  it('classifies any config fields without throwing', () => {
    fc.assert(
      fc.property(field, field, fc.option(field, { nil: undefined }), field, (os, architecture, variant, engine) => {
        const result = classifyImagePlatform(os, architecture, variant, engine);

        if (result.kind === 'arm') {
          expect(os).toBe('linux');
          expect(['arm', 'arm64']).toContain(architecture);
          expect(ARM_PLATFORMS).toContain(result.platform);
        } else {
          expect(result.description).toBe([os, architecture, variant].filter(Boolean).join('/'));
        }
        if (result.kind === 'native') {
          expect(os).toBe('linux');
          expect(architecture).toBe(engine);
        }
      }),
      options,
    );
  });

  it('reads each ARM platform back from its own fields', () => {
    for (const platform of ARM_PLATFORMS) {
      for (const engine of ['amd64', '386', 's390x', 'ppc64le', 'riscv64']) {
        const [os = '', architecture = '', variant] = platform.split('/');
        expect(classifyImagePlatform(os, architecture, variant, engine)).toEqual({ kind: 'arm', platform, warnings: [] });
      }
    }
  });
});

describe('dockerArchitecture', () => {
  it('returns a name that maps to itself', () => {
    const machine = fc.oneof(fc.constantFrom('x86_64', 'aarch64', 'arm64', 'i386', 'i686', 'armv7l'), fc.string({ unit: 'binary', maxLength: 20 }));
    fc.assert(
      fc.property(machine, (name) => {
        const architecture = dockerArchitecture(name);
        expect(dockerArchitecture(architecture)).toBe(architecture);
      }),
      options,
    );
  });
});

describe('isNativeOn', () => {
  it('is true only for arm64 on an arm64 engine', () => {
    const engine = fc.oneof(fc.constantFrom('arm64', 'arm', 'amd64'), fc.string({ maxLength: 10 }));
    fc.assert(
      fc.property(fc.constantFrom(...ARM_PLATFORMS), engine, (platform, architecture) => {
        expect(isNativeOn(platform, architecture)).toBe(platform === 'linux/arm64' && architecture === 'arm64');
      }),
      options,
    );
  });
});
