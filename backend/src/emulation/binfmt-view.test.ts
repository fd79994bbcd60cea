import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BinfmtView, localIdentity, readLocalListing, splitIdentity, type BinfmtIdentity, type HelperReading } from './binfmt-view.ts';
import type { BinfmtState } from './verdict.ts';

const QEMU_ARM_ENTRY = [
  'enabled',
  'interpreter /usr/bin/qemu-arm-static',
  'flags: F',
  'offset 0',
  'magic 7f454c4601010100000000000000000002002800',
  'mask ffffffffffffff00fffffffffffffffffeffffff',
].join('\n');

const BOOT_ID = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();

/** Creates a folder laid out like binfmt_misc: status, register and one entry. */
function fakeBinfmtFolder(): string {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'binfmt-view-'));
  writeFileSync(path.join(folder, 'status'), 'enabled\n');
  writeFileSync(path.join(folder, 'register'), '');
  writeFileSync(path.join(folder, 'qemu-arm'), `${QEMU_ARM_ENTRY}\n`);
  return folder;
}

const HELPER_STATE: BinfmtState = { enabled: true, handlers: [] };

/** Creates a view of `folder` whose helper prints `identity`, and counts the helper's reads. */
function countingView(folder: string, identity: BinfmtIdentity | undefined): { view: BinfmtView; helperReads: () => number } {
  let reads = 0;
  const view = new BinfmtView((): Promise<HelperReading> => {
    reads += 1;
    return Promise.resolve({ state: HELPER_STATE, identity });
  }, folder);
  return { view, helperReads: () => reads };
}

/** Returns the identity that a helper would print for `folder` on this kernel. */
function identityOf(folder: string): BinfmtIdentity {
  return { bootId: BOOT_ID, device: String(statSync(path.join(folder, 'status')).dev) };
}

describe('splitIdentity', () => {
  it('takes the identity lines out of the listing', () => {
    const result = splitIdentity(['@boot_id:abc-123', '@device:40', '/host/binfmt_misc/status:enabled'].join('\n'));
    expect(result.identity).toEqual({ bootId: 'abc-123', device: '40' });
    expect(result.listing).toBe('/host/binfmt_misc/status:enabled');
  });

  it('gives no identity for an older helper', () => {
    const result = splitIdentity(['@boot_id:abc-123', '/binfmt/status:enabled'].join('\n'));
    expect(result.identity).toBeUndefined();
    expect(result.listing).toBe('/binfmt/status:enabled');
  });
});

describe('reading a binfmt_misc folder directly', () => {
  let folder: string;

  beforeEach(() => {
    folder = fakeBinfmtFolder();
  });

  afterEach(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it('lists every entry but register in the helper\'s "<path>:<line>" form', async () => {
    const listing = (await readLocalListing(folder)).split('\n');
    expect(listing).toContain(`${folder}/status:enabled`);
    expect(listing).toContain(`${folder}/qemu-arm:flags: F`);
    expect(listing.some((line) => line.startsWith(`${folder}/register:`))).toBe(false);
  });

  it('identifies a folder by boot id and device', async () => {
    expect(await localIdentity(folder)).toEqual(identityOf(folder));
  });

  it('has no identity where nothing is mounted', async () => {
    expect(await localIdentity(path.join(folder, 'missing'))).toBeUndefined();
  });

  it('reads locally after matching identities', async () => {
    const { view, helperReads } = countingView(folder, identityOf(folder));

    expect(await view.read('amd64')).toBe(HELPER_STATE);
    expect(view.source).toBe('local');

    const first = await view.read('amd64');
    expect(first.handlers.map((handler) => [handler.name, handler.flags])).toEqual([['qemu-arm', ['F']]]);

    rmSync(path.join(folder, 'qemu-arm'));
    expect((await view.read('amd64')).handlers).toEqual([]);
    expect(helperReads()).toBe(1);
  });

  it('keeps the helper for other identities', async () => {
    const { view, helperReads } = countingView(folder, { bootId: BOOT_ID, device: 'another' });

    await view.read('amd64');
    await view.read('amd64');
    expect(view.source).toBe('helper');
    expect(helperReads()).toBe(2);
  });

  it('keeps the helper without an identity', async () => {
    const { view } = countingView(folder, undefined);
    await view.read('amd64');
    expect(view.source).toBe('helper');
  });

  it('returns to the helper without status', async () => {
    const { view, helperReads } = countingView(folder, identityOf(folder));
    await view.read('amd64');

    rmSync(path.join(folder, 'status'));
    expect(await view.read('amd64')).toBe(HELPER_STATE);
    expect(helperReads()).toBe(2);
    expect(view.source).toBe('helper');
  });
});
