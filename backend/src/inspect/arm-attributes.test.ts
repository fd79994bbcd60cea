import { describe, expect, it } from 'vitest';
import { parseArmAttributes } from './arm-attributes.ts';

/** Builds an attributes section with one vendor subsection per entry, each holding the given scope groups. */
function section(vendors: { name: string; groups: { scope: number; body: number[] }[] }[]): Uint8Array {
  const bytes: number[] = [0x41];
  for (const vendor of vendors) {
    const groupBytes: number[] = [];
    for (const group of vendor.groups) {
      groupBytes.push(group.scope, ...u32(1 + 4 + group.body.length), ...group.body);
    }
    const name = [...Buffer.from(vendor.name, 'latin1'), 0];
    bytes.push(...u32(4 + name.length + groupBytes.length), ...name, ...groupBytes);
  }
  return Uint8Array.from(bytes);
}

function u32(value: number): number[] {
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, value >>> 24];
}

function text(value: string): number[] {
  return [...Buffer.from(value, 'latin1'), 0];
}

describe('parseArmAttributes', () => {
  it('reads the file-scope CPU attributes', () => {
    const body = [5, ...text('6KZ'), 6, 7, 7, 0x41, 10, 2, 12, 0];
    const attributes = parseArmAttributes(section([{ name: 'aeabi', groups: [{ scope: 1, body }] }]), true);
    expect(attributes).toEqual({
      cpuName: '6KZ',
      cpuArch: { value: 7, name: 'v6KZ' },
      cpuArchProfile: 'Application',
      fpArch: { value: 2, name: 'VFPv2' },
      advancedSimdArch: { value: 0, name: 'none' },
    });
  });

  it('skips string, compatibility and unknown tags by their type', () => {
    const body = [
      4, ...text('arm1176jzf-s'), // Tag_CPU_raw_name: string
      32, 1, ...text('gnu'), // Tag_compatibility: number, then string
      65, 6, 14, 0, // Tag_also_compatible_with: written as a string
      67, ...text('2.09'), // Tag_conformance: odd tag above 32, string
      0x80, 0x01, 0x05, // tag 128 as a two-byte ULEB128: even, so a number
      6, 10,
    ];
    const attributes = parseArmAttributes(section([{ name: 'aeabi', groups: [{ scope: 1, body }] }]), true);
    expect(attributes?.cpuArch).toEqual({ value: 10, name: 'v7' });
  });

  it('reads multi-byte ULEB128 values', () => {
    const body = [6, 0xc8, 0x01];
    const attributes = parseArmAttributes(section([{ name: 'aeabi', groups: [{ scope: 1, body }] }]), true);
    expect(attributes?.cpuArch).toEqual({ value: 200, name: 'unknown (200)' });
  });

  it('skips other vendors and section-scope groups', () => {
    const attributes = parseArmAttributes(
      section([
        { name: 'gnu', groups: [{ scope: 1, body: [6, 1] }] },
        {
          name: 'aeabi',
          groups: [
            { scope: 2, body: [3, 0, 6, 1] },
            { scope: 1, body: [6, 4] },
          ],
        },
      ]),
      true,
    );
    expect(attributes?.cpuArch?.name).toBe('v5TE');
  });

  it('reads a big-endian section', () => {
    const little = section([{ name: 'aeabi', groups: [{ scope: 1, body: [6, 9] }] }]);
    const big = Uint8Array.from(little);
    big.set(little.subarray(1, 5).reverse(), 1);
    big.set(little.subarray(12, 16).reverse(), 12);
    expect(parseArmAttributes(big, false)?.cpuArch?.name).toBe('v6K');
  });

  it('returns null without the format byte or an aeabi subsection', () => {
    expect(parseArmAttributes(Uint8Array.from([0x42]), true)).toBeNull();
    expect(parseArmAttributes(new Uint8Array(0), true)).toBeNull();
    expect(parseArmAttributes(section([{ name: 'gnu', groups: [{ scope: 1, body: [6, 1] }] }]), true)).toBeNull();
  });

  it('returns null for lengths that run past the section', () => {
    const bytes = section([{ name: 'aeabi', groups: [{ scope: 1, body: [6, 10] }] }]);
    const longSubsection = Uint8Array.from(bytes);
    longSubsection[1] = 0xff;
    expect(parseArmAttributes(longSubsection, true)).toBeNull();
    const longGroup = Uint8Array.from(bytes);
    longGroup[12] = 0xff;
    expect(parseArmAttributes(longGroup, true)).toBeNull();
  });

  it('keeps attributes read before an unterminated string', () => {
    const body = [6, 10, 5, 0x37, 0x2d, 0x41];
    const attributes = parseArmAttributes(section([{ name: 'aeabi', groups: [{ scope: 1, body }] }]), true);
    expect(attributes?.cpuArch?.name).toBe('v7');
    expect(attributes?.cpuName).toBeNull();
  });
});
