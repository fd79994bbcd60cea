import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readElfDetails } from './elf-details.ts';
import { busybox } from './test-image.ts';

function details(bytes: Uint8Array) {
  const result = readElfDetails(bytes);
  if (result === null) {
    throw new Error('readElfDetails returned null for a well-formed ELF file');
  }
  return result;
}

describe('readElfDetails on Debian busybox-static', () => {
  it('reads armhf as EABI5 hard-float ARMv7', () => {
    const elf = details(busybox('armhf'));
    expect(elf.elfClass).toBe(32);
    expect(elf.endianness).toBe('little');
    expect(elf.machine).toEqual({ value: 40, name: 'ARM' });
    expect(elf.type).toEqual({ value: 2, name: 'executable' });
    expect(elf.osAbi).toEqual({ value: 3, name: 'GNU/Linux' });
    expect(elf.abiVersion).toBe(0);
    expect(elf.flags).toBe(0x05000400);
    expect(elf.arm).toEqual({ eabiVersion: 5, floatAbi: 'hard' });
    expect(elf.interpreter).toBeNull();
    expect(elf.linkage).toBe('static');
    expect(elf.armAttributes).toEqual({
      cpuName: '7-A',
      cpuArch: { value: 10, name: 'v7' },
      cpuArchProfile: 'Application',
      fpArch: { value: 3, name: 'VFPv3' },
      advancedSimdArch: { value: 1, name: 'NEONv1' },
    });
    expect(elf.warnings).toEqual([]);
  });

  it('reads armel as EABI5 soft-float ARMv5TE', () => {
    const elf = details(busybox('armel'));
    expect(elf.elfClass).toBe(32);
    expect(elf.machine.name).toBe('ARM');
    expect(elf.osAbi).toEqual({ value: 0, name: 'System V' });
    expect(elf.flags).toBe(0x05000200);
    expect(elf.arm).toEqual({ eabiVersion: 5, floatAbi: 'soft' });
    expect(elf.linkage).toBe('static');
    expect(elf.armAttributes?.cpuName).toBe('5TE');
    expect(elf.armAttributes?.cpuArch).toEqual({ value: 4, name: 'v5TE' });
    expect(elf.armAttributes?.cpuArchProfile).toBeNull();
    expect(elf.armAttributes?.fpArch).toBeNull();
    expect(elf.armAttributes?.advancedSimdArch).toBeNull();
    expect(elf.warnings).toEqual([]);
  });

  it('reads arm64 as 64-bit AArch64', () => {
    const elf = details(busybox('arm64'));
    expect(elf.elfClass).toBe(64);
    expect(elf.endianness).toBe('little');
    expect(elf.machine).toEqual({ value: 183, name: 'AArch64' });
    expect(elf.flags).toBe(0);
    expect(elf.arm).toBeNull();
    expect(elf.armAttributes).toBeNull();
    expect(elf.linkage).toBe('static');
    expect(elf.warnings).toEqual([]);
  });

  it('reads amd64 as 64-bit x86-64', () => {
    const elf = details(busybox('amd64'));
    expect(elf.elfClass).toBe(64);
    expect(elf.machine).toEqual({ value: 62, name: 'x86-64' });
    expect(elf.arm).toBeNull();
    expect(elf.linkage).toBe('static');
  });
});

describe('readElfDetails on host programs', () => {
  it('reads the dynamic loader path of /bin/ls', () => {
    const elf = details(readFileSync('/bin/ls'));
    expect(elf.linkage).toBe('dynamic');
    expect(elf.interpreter).toBe('/lib64/ld-linux-x86-64.so.2');
    expect(elf.type.name).toBe('shared object');
  });

  it('reads a static-pie QEMU as static-pie', () => {
    const qemu = '/usr/bin/qemu-arm-static';
    if (!existsSync(qemu)) {
      throw new Error(`${qemu} is missing. Install it with "apt-get install -y qemu-user-static".`);
    }
    const elf = details(readFileSync(qemu));
    expect(elf.linkage).toBe('static-pie');
    expect(elf.interpreter).toBeNull();
  });
});

describe('readElfDetails on damaged input', () => {
  it('returns null for non-ELF bytes', () => {
    expect(readElfDetails(new TextEncoder().encode('#!/bin/sh\nexec httpd\n'.padEnd(80)))).toBeNull();
    expect(readElfDetails(new Uint8Array(0))).toBeNull();
  });

  it('returns null when the ELF header is cut off', () => {
    expect(readElfDetails(busybox('armhf').subarray(0, 40))).toBeNull();
    expect(readElfDetails(busybox('arm64').subarray(0, 60))).toBeNull();
  });

  it('returns null for an invalid class byte', () => {
    const bytes = Uint8Array.from(busybox('armhf'));
    bytes[4] = 3;
    expect(readElfDetails(bytes)).toBeNull();
  });

  it('keeps header facts when the program headers are cut off', () => {
    const elf = details(busybox('armhf').subarray(0, 60));
    expect(elf.machine.name).toBe('ARM');
    expect(elf.arm).toEqual({ eabiVersion: 5, floatAbi: 'hard' });
    expect(elf.linkage).toBe('unknown');
    expect(elf.armAttributes).toBeNull();
    expect(elf.warnings.join(' ')).toMatch(/program header table extends beyond/);
    expect(elf.warnings.join(' ')).toMatch(/section header table lies beyond/);
  });

  it('keeps the linkage when only the section headers are cut off', () => {
    const whole = busybox('armhf');
    const elf = details(whole.subarray(0, whole.length - 200));
    expect(elf.linkage).toBe('static');
    expect(elf.armAttributes).toBeNull();
    expect(elf.warnings.join(' ')).toMatch(/section header/);
  });

  it('reports a malformed .ARM.attributes section', () => {
    const bytes = Uint8Array.from(busybox('armhf'));
    const start = findAttributesSection(bytes);
    bytes[start] = 0x42;
    const elf = details(bytes);
    expect(elf.armAttributes).toBeNull();
    expect(elf.warnings).toContain('The .ARM.attributes section is malformed, so the build attributes were not read.');
  });

  it('keeps attributes read before a broken one', () => {
    const bytes = Uint8Array.from(busybox('armhf'));
    const start = findAttributesSection(bytes);
    // The tags from byte 23 on follow Tag_CPU_name "7-A" and Tag_CPU_arch v7.
    // Bytes of 0x80 make them one ULEB128 number that never ends.
    bytes.fill(0x80, start + 23, start + 53);
    const elf = details(bytes);
    expect(elf.armAttributes?.cpuName).toBe('7-A');
    expect(elf.armAttributes?.cpuArch?.name).toBe('v7');
    expect(elf.armAttributes?.fpArch).toBeNull();
  });

  it('finds .ARM.attributes by name when its type is wrong', () => {
    const bytes = Uint8Array.from(busybox('armhf'));
    const view = new DataView(bytes.buffer);
    const tableOffset = view.getUint32(32, true);
    const count = view.getUint16(48, true);
    let retyped = 0;
    for (let index = 0; index < count; index += 1) {
      const typeOffset = tableOffset + index * 40 + 4;
      if (view.getUint32(typeOffset, true) === 0x70000003) {
        view.setUint32(typeOffset, 1, true);
        retyped += 1;
      }
    }
    expect(retyped).toBe(1);
    expect(details(bytes).armAttributes?.cpuArch?.name).toBe('v7');
  });

  it('reports a PT_INTERP that points outside the file', () => {
    const bytes = Uint8Array.from(readFileSync('/bin/ls'));
    const view = new DataView(bytes.buffer);
    const tableOffset = Number(view.getBigUint64(32, true));
    const entrySize = view.getUint16(54, true);
    const count = view.getUint16(56, true);
    for (let index = 0; index < count; index += 1) {
      const start = tableOffset + index * entrySize;
      if (view.getUint32(start, true) === 3) {
        view.setBigUint64(start + 8, 0xffffffffn, true);
      }
    }
    const elf = details(bytes);
    expect(elf.linkage).toBe('dynamic');
    expect(elf.interpreter).toBeNull();
    expect(elf.warnings.join(' ')).toMatch(/PT_INTERP/);
  });

  it('never throws on corrupted copies', () => {
    const original = busybox('armhf');
    const header = original.subarray(0, 4096);
    let seed = 12345;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed;
    };
    for (let round = 0; round < 500; round += 1) {
      const copy = Uint8Array.from(round % 2 === 0 ? header : original);
      for (let flip = 0; flip < 8; flip += 1) {
        // Offsets 4 to 63 contain the class, endianness and table offsets, the
        // fields most likely to send a reader out of bounds.
        const offset = flip < 4 ? 4 + (random() % 60) : random() % copy.length;
        copy[offset] = random() % 256;
      }
      expect(() => readElfDetails(copy)).not.toThrow();
    }
  });
});

/** Returns the file offset of the armhf busybox's .ARM.attributes section, found by its 'A' byte and "aeabi" vendor name. */
function findAttributesSection(bytes: Uint8Array): number {
  const marker = Buffer.from('aeabi\0', 'latin1');
  const found = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).lastIndexOf(marker);
  if (found < 5 || bytes[found - 5] !== 0x41) {
    throw new Error('The armhf busybox has no .ARM.attributes section with an aeabi subsection');
  }
  return found - 5;
}
