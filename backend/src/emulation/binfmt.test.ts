import { describe, expect, it } from 'vitest';
import { entryMatchesHeader, nativeFormatsMatchedBy, parseBinfmtEntry, parseBinfmtListing, platformsMatchedBy } from './binfmt.ts';

// Entries as the kernel prints them, copied from a Debian 12 machine.
const QEMU_ARM = `enabled
interpreter /usr/bin/qemu-arm-static
flags: 
offset 0
magic 7f454c4601010100000000000000000002002800
mask ffffffffffffff00fffffffffffffffffeffffff
`;

const QEMU_AARCH64_F = `enabled
interpreter /usr/bin/qemu-aarch64-static
flags: OCF
offset 0
magic 7f454c460201010000000000000000000200b700
mask ffffffffffffff00fffffffffffffffffeffffff
`;

describe('parseBinfmtEntry', () => {
  it('reads interpreter, flags, offset, magic and mask', () => {
    expect(parseBinfmtEntry(QEMU_AARCH64_F)).toEqual({
      enabled: true,
      interpreter: '/usr/bin/qemu-aarch64-static',
      flags: ['O', 'C', 'F'],
      offset: 0,
      magic: '7f454c460201010000000000000000000200b700',
      mask: 'ffffffffffffff00fffffffffffffffffeffffff',
    });
  });

  it('reads an empty flags line as no flags', () => {
    expect(parseBinfmtEntry(QEMU_ARM)?.flags).toEqual([]);
  });

  it('reads a disabled entry', () => {
    expect(parseBinfmtEntry(QEMU_ARM.replace('enabled', 'disabled'))?.enabled).toBe(false);
  });

  it('ignores extension entries, which have no magic', () => {
    expect(parseBinfmtEntry('enabled\ninterpreter /usr/bin/mono\nflags: \nextension .exe\n')).toBeNull();
  });

  it('returns null when mask and magic differ in length', () => {
    expect(parseBinfmtEntry(QEMU_ARM.replace('mask ffffffffffffff00', 'mask ffffffffffff00'))).toBeNull();
    expect(parseBinfmtEntry(QEMU_ARM.replace('mask ffffffffffffff00', 'mask ffffffffffffff0000'))).toBeNull();
  });

  it('returns null for garbage', () => {
    expect(parseBinfmtEntry('')).toBeNull();
    expect(parseBinfmtEntry('enabled\ninterpreter /x\nmagic zz\n')).toBeNull();
  });
});

describe('magic and mask matching', () => {
  it('matches 32-bit ARM by content, whatever the entry is called', () => {
    const entry = parseBinfmtEntry(QEMU_ARM);
    expect(entry).not.toBeNull();
    expect(platformsMatchedBy(entry!)).toEqual(['linux/arm/v6', 'linux/arm/v7']);
  });

  it('matches AArch64 only for arm64', () => {
    expect(platformsMatchedBy(parseBinfmtEntry(QEMU_AARCH64_F)!)).toEqual(['linux/arm64']);
  });

  it('does not match x86_64 ELF with an ARM entry', () => {
    const x86Header = new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0x3e, 0]);
    expect(entryMatchesHeader(parseBinfmtEntry(QEMU_ARM)!, x86Header)).toBe(false);
  });

  it('honours the offset', () => {
    const header = new Uint8Array([0, 0, 0xca, 0xfe]);
    expect(entryMatchesHeader({ offset: 2, magic: 'cafe', mask: 'ffff' }, header)).toBe(true);
    expect(entryMatchesHeader({ offset: 1, magic: 'cafe', mask: 'ffff' }, header)).toBe(false);
    expect(entryMatchesHeader({ offset: 3, magic: 'cafe', mask: 'ffff' }, header)).toBe(false);
  });
});

describe('parseBinfmtListing', () => {
  const listing = [
    '/host/binfmt_misc/status:enabled',
    ...QEMU_ARM.trimEnd().split('\n').map((line) => `/host/binfmt_misc/qemu-arm:${line}`),
    ...QEMU_AARCH64_F.trimEnd().split('\n').map((line) => `/host/binfmt_misc/my-arm64:${line}`),
  ].join('\n');

  it('lists every magic entry with the platforms it matches', () => {
    const state = parseBinfmtListing(listing, 'amd64');
    expect(state.enabled).toBe(true);
    expect(state.handlers.map((handler) => [handler.name, handler.matches])).toEqual([
      ['my-arm64', ['linux/arm64']],
      ['qemu-arm', ['linux/arm/v6', 'linux/arm/v7']],
    ]);
  });

  it('keeps an empty flags line empty', () => {
    const qemuArm = parseBinfmtListing(listing, 'amd64').handlers.find((handler) => handler.name === 'qemu-arm');
    expect(qemuArm?.flags).toEqual([]);
  });

  it('keeps an interpreter path that contains a colon', () => {
    const withColon = QEMU_ARM.replace('/usr/bin/qemu-arm-static', '/opt/qemu:8.2/qemu-arm');
    const state = parseBinfmtListing(withColon.trimEnd().split('\n').map((line) => `/binfmt/qemu-arm:${line}`).join('\n'), 'amd64');
    expect(state.handlers.map((handler) => [handler.name, handler.interpreter])).toEqual([['qemu-arm', '/opt/qemu:8.2/qemu-arm']]);
  });

  it('reports binfmt_misc switched off', () => {
    expect(parseBinfmtListing('/binfmt/status:disabled', 'amd64').enabled).toBe(false);
  });
});

describe('nativeFormatsMatchedBy', () => {
  // The i386 and x86-64 entries of QEMU's qemu-binfmt-conf.sh table.
  const I386 = { offset: 0, magic: '7f454c4601010100000000000000000002000300', mask: 'fffffffffffefe00fffffffffffffffffeffffff' };
  const X86_64 = { offset: 0, magic: '7f454c4602010100000000000000000002003e00', mask: 'fffffffffffefe00fffffffffffffffffeffffff' };
  const ARM = { offset: 0, magic: '7f454c4601010100000000000000000002002800', mask: 'ffffffffffffff00fffffffffffffffffeffffff' };
  const AARCH64 = { offset: 0, magic: '7f454c460201010000000000000000000200b700', mask: 'ffffffffffffff00fffffffffffffffffeffffff' };

  it('flags i386 and x86-64 entries on amd64', () => {
    expect(nativeFormatsMatchedBy(I386, 'amd64')).toEqual(['i386 ELF']);
    expect(nativeFormatsMatchedBy(X86_64, 'amd64')).toEqual(['x86-64 ELF']);
  });

  it('leaves ARM entries unflagged on amd64', () => {
    expect(nativeFormatsMatchedBy(ARM, 'amd64')).toEqual([]);
    expect(nativeFormatsMatchedBy(AARCH64, 'amd64')).toEqual([]);
  });

  it('flags AArch64 entries on arm64 only', () => {
    expect(nativeFormatsMatchedBy(AARCH64, 'arm64')).toEqual(['AArch64 ELF']);
    expect(nativeFormatsMatchedBy(ARM, 'arm64')).toEqual([]);
    expect(nativeFormatsMatchedBy(X86_64, 'arm64')).toEqual([]);
  });

  it('flags a catch-all entry on every native format', () => {
    expect(nativeFormatsMatchedBy({ offset: 0, magic: '7f454c46', mask: 'ffffffff' }, 'amd64')).toEqual(['x86-64 ELF', 'i386 ELF']);
  });
});
