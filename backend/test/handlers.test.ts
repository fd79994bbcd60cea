import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BinfmtView, localIdentity, readLocalListing } from '../src/emulation/binfmt-view.ts';
import { parseBinfmtListing } from '../src/emulation/binfmt.ts';
import { readBinfmtState } from '../src/emulation/handler-reader.ts';
import { parseFlags } from '../src/emulation/handler-registrar.ts';
import { HelperImage } from '../src/emulation/helper-image.ts';
import { ResidentReader } from '../src/emulation/resident-reader.ts';
import { roleFilter } from '../src/engine/labels.ts';
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

describe('reading binfmt_misc', () => {
  it('reads the helper\'s table directly on one kernel', async () => {
    setArmHandlers({ arm: 'F' });
    const engine = await services.status.engine();
    const helper = new HelperImage(services.docker, services.bundle);
    const throughHelper = await readBinfmtState(services.docker, helper, engine.architecture);

    // This machine runs the engine on its own kernel, with binfmt_misc mounted.
    expect(throughHelper.identity).toBeDefined();
    expect(await localIdentity()).toEqual(throughHelper.identity);
    expect(parseBinfmtListing(await readLocalListing(), engine.architecture)).toEqual(throughHelper.state);

    const view = new BinfmtView(() => readBinfmtState(services.docker, helper, engine.architecture));
    expect(await view.read(engine.architecture)).toEqual(throughHelper.state);
    expect(view.source).toBe('local');

    // Every read is fresh: a handler removed behind the backend's back is gone at once.
    setArmHandlers({});
    expect((await view.read(engine.architecture)).handlers.some((handler) => handler.name === 'qemu-arm')).toBe(false);
  });

  it('reads through the helper without a local table', async () => {
    setArmHandlers({ arm: 'F' });
    const engine = await services.status.engine();
    const helper = new HelperImage(services.docker, services.bundle);
    const emptyFolder = mkdtempSync(path.join(os.tmpdir(), 'no-binfmt-'));
    try {
      const view = new BinfmtView(() => readBinfmtState(services.docker, helper, engine.architecture), emptyFolder);
      const first = await view.read(engine.architecture);
      expect(view.source).toBe('helper');
      expect(first.handlers.find((handler) => handler.name === 'qemu-arm')?.flags).toEqual(['F']);

      setArmHandlers({});
      expect((await view.read(engine.architecture)).handlers.some((handler) => handler.name === 'qemu-arm')).toBe(false);
    } finally {
      rmSync(emptyFolder, { recursive: true, force: true });
    }
  });

  it('reads through a resident helper that stays up', async () => {
    setArmHandlers({ arm: 'F' });
    const engine = await services.status.engine();
    const helper = new HelperImage(services.docker, services.bundle);
    const resident = new ResidentReader(services.docker, helper);
    const emptyFolder = mkdtempSync(path.join(os.tmpdir(), 'no-binfmt-'));
    let oneShotReads = 0;
    const view = new BinfmtView(
      () => {
        oneShotReads += 1;
        return readBinfmtState(services.docker, helper, engine.architecture);
      },
      emptyFolder,
      resident,
    );
    try {
      const oneShot = await view.read(engine.architecture);
      expect(view.source).toBe('resident');

      expect(await view.read(engine.architecture)).toEqual(oneShot);
      const readers = await docker.listContainers({ filters: { label: roleFilter('binfmt-reader') } });
      expect(readers).toHaveLength(1);
      const reader = await docker.getContainer(readers[0]?.Id ?? '').inspect();
      expect(reader.HostConfig.CapAdd ?? []).toEqual([]);
      expect(reader.HostConfig.CapDrop).toEqual(['ALL']);
      expect(reader.HostConfig.NetworkMode).toBe('none');
      expect(reader.HostConfig.AutoRemove).toBe(true);

      // Each request reads the table as it is now.
      setArmHandlers({ arm: 'OC' });
      expect((await view.read(engine.architecture)).handlers.find((handler) => handler.name === 'qemu-arm')?.flags).toEqual(['O', 'C']);
      setArmHandlers({});
      expect((await view.read(engine.architecture)).handlers.some((handler) => handler.name === 'qemu-arm')).toBe(false);
      expect(oneShotReads).toBe(1);

      // A reader removed behind its back is replaced on the next read.
      await docker.getContainer(readers[0]?.Id ?? '').remove({ force: true });
      setArmHandlers({ arm: 'F' });
      expect((await view.read(engine.architecture)).handlers.find((handler) => handler.name === 'qemu-arm')?.flags).toEqual(['F']);
      expect((await view.read(engine.architecture)).handlers.find((handler) => handler.name === 'qemu-arm')?.flags).toEqual(['F']);
      expect(await docker.listContainers({ filters: { label: roleFilter('binfmt-reader') } })).toHaveLength(1);
    } finally {
      resident.close();
      rmSync(emptyFolder, { recursive: true, force: true });
    }

    // Closing ends the helper's input, so it exits and the engine removes it.
    let left = 1;
    for (let attempt = 0; attempt < 50 && left > 0; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      left = (await docker.listContainers({ all: true, filters: { label: roleFilter('binfmt-reader') } })).length;
    }
    expect(left).toBe(0);
  });
});
