import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { QemuArch } from '@arm-runner/contract';
import { ArmRunnerError } from '../errors.ts';
import { FLAG_ORDER, formatEntry, interpreterPath, toHex } from './binfmt-entries.arbitraries.ts';
import { parseBinfmtEntry, platformsMatchedBy } from './binfmt.ts';
import { parseArchList, parseFlags, registerLine } from './handler-registrar.ts';

// A fixed seed keeps runs reproducible. A failure report also prints the seed
// and the path of the shrunk counterexample.
const options = { seed: 0x4e6, numRuns: 300 };

interface Registration {
  name: string;
  type: string;
  offset: number;
  magic: number[];
  mask: number[] | undefined;
  interpreter: string;
  flags: string[];
}

// Linux's limits for a registration line. MAX_REGISTER_LENGTH is from
// fs/binfmt_misc.c. The magic must end within BINPRM_BUF_SIZE bytes
// (include/uapi/linux/binfmts.h), which is 256 in current kernels and 128 in
// older ones, so the check uses the smaller.
const MAX_REGISTER_LENGTH = 1920;
const BINPRM_BUF_SIZE = 128;

function unescapeHex(field: string): number[] {
  expect(field).toMatch(/^(?:\\x[0-9a-fA-F]{2})*$/);
  return (field.match(/\\x../g) ?? []).map((escape) => Number.parseInt(escape.slice(2), 16));
}

/**
 * Reads a registration line the way Linux does: the first character is the
 * delimiter of :name:type:offset:magic:mask:interpreter:flags. Each check
 * is an assertion, so a line the kernel would reject fails the test.
 */
function readRegistration(line: string): Registration {
  expect(line.length).toBeGreaterThanOrEqual(11);
  expect(line.length).toBeLessThanOrEqual(MAX_REGISTER_LENGTH);

  const delimiter = line.charAt(0);
  const fields = line.slice(1).split(delimiter);
  expect(fields).toHaveLength(7);
  const [name = '', type = '', offset = '', magic = '', mask = '', interpreter = '', flags = ''] = fields;

  expect(name).not.toBe('');
  expect(name).not.toContain('/');
  expect(['.', '..']).not.toContain(name);
  expect(type).toBe('M');
  expect(offset).toMatch(/^\d*$/);
  expect(interpreter).not.toBe('');
  expect(flags).toMatch(/^[POCF]*\n?$/);

  const magicBytes = unescapeHex(magic);
  const maskBytes = mask === '' ? undefined : unescapeHex(mask);
  expect(magicBytes.length).toBeGreaterThan(0);
  if (maskBytes !== undefined) {
    expect(maskBytes).toHaveLength(magicBytes.length);
  }
  const offsetValue = offset === '' ? 0 : Number(offset);
  expect(offsetValue + magicBytes.length).toBeLessThanOrEqual(BINPRM_BUF_SIZE);

  return { name, type, offset: offsetValue, magic: magicBytes, mask: maskBytes, interpreter, flags: [...flags.trimEnd()] };
}

/** Returns the entry text Linux prints for a registration, with flags in its print order. */
function printedEntry(registration: Registration): string {
  return formatEntry({
    enabled: true,
    interpreter: registration.interpreter,
    flags: FLAG_ORDER.filter((flag) => registration.flags.includes(flag)),
    offset: registration.offset,
    magic: toHex(registration.magic),
    mask: registration.mask === undefined ? undefined : toHex(registration.mask),
  });
}

const EXPECTED_PLATFORMS: Record<QemuArch, string[]> = {
  arm: ['linux/arm/v6', 'linux/arm/v7'],
  aarch64: ['linux/arm64'],
};

const arch = fc.constantFrom<QemuArch>('arm', 'aarch64');

describe('registerLine', () => {
  it('writes a line the kernel accepts', () => {
    fc.assert(
      fc.property(arch, interpreterPath(false), fc.shuffledSubarray(FLAG_ORDER), (emulator, path, flags) => {
        const registration = readRegistration(registerLine(emulator, path, flags));

        expect(registration.name).toBe(emulator === 'arm' ? 'qemu-arm' : 'qemu-aarch64');
        expect(registration.interpreter).toBe(path);
        expect(registration.flags).toEqual(flags);
      }),
      options,
    );
  });

  it('registers an entry that the entry parser reads back', () => {
    fc.assert(
      fc.property(arch, interpreterPath(false), fc.shuffledSubarray(FLAG_ORDER), (emulator, path, flags) => {
        const registration = readRegistration(registerLine(emulator, path, flags));
        const entry = parseBinfmtEntry(printedEntry(registration));

        expect(entry).toEqual({
          enabled: true,
          interpreter: path,
          flags: FLAG_ORDER.filter((flag) => flags.includes(flag)),
          offset: 0,
          magic: toHex(registration.magic),
          mask: toHex(registration.mask ?? registration.magic.map(() => 0xff)),
        });
        expect(entry === null ? [] : platformsMatchedBy(entry)).toEqual(EXPECTED_PLATFORMS[emulator]);
      }),
      options,
    );
  });

  it('writes flags from parseFlags in the order the kernel prints them', () => {
    fc.assert(
      fc.property(arch, fc.shuffledSubarray(FLAG_ORDER), (emulator, flags) => {
        const canonical = parseFlags(flags.join(''));
        const registration = readRegistration(registerLine(emulator, '/usr/libexec/qemu', canonical));
        const entry = parseBinfmtEntry(printedEntry(registration));

        expect(entry?.flags.join('')).toBe(canonical.join(''));
      }),
      options,
    );
  });
});

function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('parseFlags', () => {
  it('returns flags in P, O, C, F order or throws INVALID_REQUEST', () => {
    const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 20 }), fc.string({ unit: fc.constantFrom(...'pocfPOCFxX '), maxLength: 8 }));
    fc.assert(
      fc.property(text, (input) => {
        let flags: string[];
        try {
          flags = parseFlags(input);
        } catch (error) {
          expect(error).toBeInstanceOf(ArmRunnerError);
          expect((error as ArmRunnerError).code).toBe('INVALID_REQUEST');
          return;
        }
        expect(flags).toEqual(FLAG_ORDER.filter((flag) => flags.includes(flag)));
      }),
      options,
    );
  });

  it('reads any order, case and repetition of valid flags', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...'pocfPOCF'), { maxLength: 10 }), (letters) => {
        const upper = letters.join('').toUpperCase();
        // C brings O with it, as the kernel registers it.
        expect(parseFlags(letters.join(''))).toEqual(FLAG_ORDER.filter((flag) => upper.includes(flag) || (flag === 'O' && upper.includes('C'))));
      }),
      options,
    );
  });

  it('rejects any other letter', () => {
    const otherCharacter = fc.constantFrom(...'abdeghijklmnqrstuvwxyzABDEGHIJKLMNQRSTUVWXYZ0123456789 ;:$`');
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...'POCF'), { maxLength: 4 }), otherCharacter, fc.nat(), (flags, other, position) => {
        const index = position % (flags.length + 1);
        const input = [...flags.slice(0, index), other, ...flags.slice(index)].join('');
        const error = thrownBy(() => parseFlags(input));

        expect(error).toBeInstanceOf(ArmRunnerError);
        expect((error as ArmRunnerError).code).toBe('INVALID_REQUEST');
      }),
      options,
    );
  });
});

describe('parseArchList', () => {
  const ARCH_NAMES: [string, QemuArch][] = [
    ['arm', 'arm'],
    ['arm64', 'aarch64'],
    ['aarch64', 'aarch64'],
  ];

  it('returns emulators or throws INVALID_REQUEST', () => {
    const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 30 }), fc.string({ unit: fc.constantFrom(...'arm64ch, '), maxLength: 20 }));
    fc.assert(
      fc.property(text, (input) => {
        let arches: QemuArch[];
        try {
          arches = parseArchList(input);
        } catch (error) {
          expect(error).toBeInstanceOf(ArmRunnerError);
          expect((error as ArmRunnerError).code).toBe('INVALID_REQUEST');
          return;
        }
        expect(arches.length).toBeGreaterThan(0);
        expect(new Set(arches).size).toBe(arches.length);
        for (const emulator of arches) {
          expect(['arm', 'aarch64']).toContain(emulator);
        }
      }),
      options,
    );
  });

  it('reads a list of names in any case and spacing', () => {
    const item = fc
      .tuple(fc.constantFrom(...ARCH_NAMES), fc.boolean(), fc.constantFrom('', ' ', '\t'))
      .map(([[name, emulator], upper, space]) => ({ text: `${space}${upper ? name.toUpperCase() : name}${space}`, emulator }));
    fc.assert(
      fc.property(fc.array(item, { minLength: 1, maxLength: 5 }), (items) => {
        const expected = [...new Set(items.map((entry) => entry.emulator))];
        expect(parseArchList(items.map((entry) => entry.text).join(','))).toEqual(expected);
      }),
      options,
    );
  });
});
