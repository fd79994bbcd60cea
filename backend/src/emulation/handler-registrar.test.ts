import { describe, expect, it } from 'vitest';
import { parseBinfmtEntry, platformsMatchedBy } from './binfmt.ts';
import { parseArchList, parseFlags, registerLine } from './handler-registrar.ts';

describe('parseArchList', () => {
  it('accepts arm, arm64 and aarch64', () => {
    expect(parseArchList('arm,arm64')).toEqual(['arm', 'aarch64']);
    expect(parseArchList(' aarch64 ')).toEqual(['aarch64']);
    expect(parseArchList('arm64,aarch64')).toEqual(['aarch64']);
  });

  it.each(['x86_64', 'i386', '', 'arm;id'])('rejects %j', (input) => {
    expect(() => parseArchList(input)).toThrow(/not an ARM handler/);
  });
});

describe('parseFlags', () => {
  it('orders and deduplicates flags', () => {
    expect(parseFlags('fcoF')).toEqual(['O', 'C', 'F']);
    expect(parseFlags('')).toEqual([]);
  });

  it('rejects unknown letters', () => {
    expect(() => parseFlags('FX')).toThrow(/Unknown binfmt_misc flag X/);
  });

  it('adds O to C, as the kernel does', () => {
    expect(parseFlags('CF')).toEqual(['O', 'C', 'F']);
    expect(parseFlags('C')).toEqual(['O', 'C']);
  });
});

describe('registerLine', () => {
  it('escapes magic and mask for the kernel', () => {
    expect(registerLine('arm', '/usr/bin/qemu-arm-static', ['F'])).toBe(
      ':qemu-arm:M::\\x7f\\x45\\x4c\\x46\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x28\\x00:' +
        '\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff:/usr/bin/qemu-arm-static:F',
    );
  });

  it('matches only the platforms of its emulator', () => {
    for (const [arch, platforms] of [
      ['arm', ['linux/arm/v6', 'linux/arm/v7']],
      ['aarch64', ['linux/arm64']],
    ] as const) {
      const [, , , , magic, mask] = registerLine(arch, '/x', []).split(':');
      const entry = parseBinfmtEntry(
        `enabled\ninterpreter /x\nflags: \noffset 0\nmagic ${magic?.replaceAll('\\x', '')}\nmask ${mask?.replaceAll('\\x', '')}\n`,
      );
      expect(entry).not.toBeNull();
      expect(platformsMatchedBy(entry!)).toEqual(platforms);
    }
  });
});
