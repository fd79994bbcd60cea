import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assertStaticElf } from '../bundle/bundle.ts';
import { readElfInfo } from './elf.ts';

function head(path: string): Uint8Array {
  return readFileSync(path).subarray(0, 65536);
}

// Real binaries from the machine: Debian's static QEMU and the dynamically
// linked node and ls. The test rig installs qemu-user-static.
describe('readElfInfo', () => {
  it('reads a static-pie QEMU as having no interpreter', () => {
    const info = readElfInfo(head('/usr/bin/qemu-arm-static'));
    expect(info?.elfClass).toBe(64);
    expect(info?.hasInterpreter).toBe(false);
  });

  it('reads a dynamic program as having an interpreter', () => {
    expect(readElfInfo(head('/bin/ls'))?.hasInterpreter).toBe(true);
  });

  it('returns null for non-ELF bytes', () => {
    expect(readElfInfo(new TextEncoder().encode('#!/bin/sh\necho hello\n'.padEnd(80)))).toBeNull();
    expect(readElfInfo(new Uint8Array(10))).toBeNull();
  });

  it('returns null when the program headers are cut off', () => {
    expect(readElfInfo(head('/bin/ls').subarray(0, 64))).toBeNull();
  });
});

describe('assertStaticElf', () => {
  it('accepts a static QEMU', () => {
    expect(() => assertStaticElf(head('/usr/bin/qemu-aarch64-static'), 'qemu-aarch64-static')).not.toThrow();
  });

  it('rejects a dynamically linked program', () => {
    expect(() => assertStaticElf(head('/bin/ls'), '/bin/ls')).toThrow(/dynamically linked/);
  });

  it('rejects a script', () => {
    expect(() => assertStaticElf(new TextEncoder().encode('#!/bin/sh\n'.padEnd(80)), 'script')).toThrow(/not an ELF/);
  });
});
