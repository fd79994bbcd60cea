import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFlags } from '../src/emulation/handler-registrar.ts';
import type { Services } from '../src/services.ts';
import { readArmEntries, restoreArmEntries, setArmHandlers, type SavedEntry } from './rig/binfmt-rig.ts';
import { FIXTURES, connectToEngine, docker, runPlain } from './rig/engine-rig.ts';

let services: Services;
let savedEntries: SavedEntry[];

beforeAll(async () => {
  services = await connectToEngine();
  savedEntries = readArmEntries();
  setArmHandlers({});
});

afterAll(() => {
  restoreArmEntries(savedEntries);
});

describe('handler registration through the helper', () => {
  it('registers qemu-arm with F from the bundle', async () => {
    const results = await services.handlers.install(['arm'], ['F']);
    expect(results).toEqual([{ arch: 'arm', name: 'qemu-arm', outcome: 'registered' }]);

    const entry = readArmEntries().find((candidate) => candidate.name === 'qemu-arm');
    expect(entry?.flags).toEqual(['F']);
    expect(entry?.interpreter).toBe('/usr/bin/qemu-arm-static');

    const status = await services.status.status();
    expect(status.platforms.find((verdict) => verdict.platform === 'linux/arm/v7')?.code).toBe('host-handler');

    // F means the kernel kept the helper's QEMU open, so a plain image runs.
    const plain = await runPlain(docker, FIXTURES.armv7, ['/bin/uname', '-m']);
    expect(plain.exitCode).toBe(0);
    expect(plain.output.trim()).toBe('armv7l');
  });

  it('treats a second install of C and F as already registered', async () => {
    const flags = parseFlags('CF');
    expect((await services.handlers.install(['arm'], flags))[0]?.outcome).toBe('replaced');
    expect(await services.handlers.install(['arm'], flags)).toEqual([{ arch: 'arm', name: 'qemu-arm', outcome: 'already-registered' }]);
    expect((await services.handlers.install(['arm'], ['F']))[0]?.outcome).toBe('replaced');
  });

  it('treats a second install as already registered', async () => {
    expect(await services.handlers.install(['arm'], ['F'])).toEqual([{ arch: 'arm', name: 'qemu-arm', outcome: 'already-registered' }]);
  });

  it('replaces a handler whose flags differ', async () => {
    expect(await services.handlers.install(['arm'], [])).toEqual([{ arch: 'arm', name: 'qemu-arm', outcome: 'replaced' }]);
    expect(readArmEntries().find((candidate) => candidate.name === 'qemu-arm')?.flags).toEqual([]);
  });

  it('registers qemu-aarch64 without flags', async () => {
    expect(await services.handlers.install(['aarch64'], [])).toEqual([{ arch: 'aarch64', name: 'qemu-aarch64', outcome: 'registered' }]);
    const status = await services.status.status();
    expect(status.platforms.find((verdict) => verdict.platform === 'linux/arm64')?.code).toBe('needs-qemu-in-image');
  });

  it('removes handlers and reports missing ones', async () => {
    expect(await services.handlers.remove(['arm', 'aarch64'])).toEqual([
      { arch: 'arm', name: 'qemu-arm', outcome: 'removed' },
      { arch: 'aarch64', name: 'qemu-aarch64', outcome: 'removed' },
    ]);
    expect(readArmEntries()).toEqual([]);
    expect(await services.handlers.remove(['arm'])).toEqual([{ arch: 'arm', name: 'qemu-arm', outcome: 'not-registered' }]);
    const status = await services.status.status();
    expect(status.platforms.every((verdict) => verdict.code === 'cannot-run')).toBe(true);
  });
});
