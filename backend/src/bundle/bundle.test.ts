import { execFileSync } from 'node:child_process';
import { copyFileSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import tarStream from 'tar-stream';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundle } from './bundle.ts';
import { findEmbeddedQemuVersion, makeBundle } from './make-bundle.ts';

// Uses real binaries: Debian's static QEMU from /usr/bin and, as the QEMU that
// must be rejected, the dynamically linked qemu-arm of Debian's qemu-user
// package, which scripts/prepare-assets.sh unpacks. The helper's busybox only
// has to be a static ELF here, so the static QEMU is used in its place.
const HELPER_SCRIPT = path.resolve(import.meta.dirname, '..', '..', 'assets', 'read-binfmt');
const STATIC_BINARY = '/usr/bin/qemu-arm-static';
const DYNAMIC_QEMU = path.resolve(import.meta.dirname, '..', '..', '..', 'build', 'debs', 'qemu-user', 'qemu-arm');

let workDirectory: string;

beforeAll(() => {
  if (!existsSync(DYNAMIC_QEMU)) {
    throw new Error(`${DYNAMIC_QEMU} is missing. Run "bash scripts/prepare-assets.sh" first.`);
  }
  workDirectory = mkdtempSync(path.join(os.tmpdir(), 'arm-runner-bundle-'));
});

afterAll(() => {
  rmSync(workDirectory, { recursive: true, force: true });
});

describe('makeBundle', () => {
  it('records version and sha256 of each QEMU', async () => {
    const outputDirectory = path.join(workDirectory, 'good');
    const manifest = await makeBundle({
      qemuDirectory: '/usr/bin',
      busyboxPath: STATIC_BINARY,
      helperScriptPath: HELPER_SCRIPT,
      outputDirectory,
    });

    expect(manifest.qemu.map((entry) => entry.arch)).toEqual(['arm', 'aarch64']);
    expect(manifest.qemu[0]?.interpreterPath).toBe('/usr/bin/qemu-arm-static');
    expect(manifest.qemu[0]?.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(manifest.qemu[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);

    const loaded = await loadBundle(outputDirectory);
    expect(loaded.qemu('aarch64').tarPath).toBe(path.join(outputDirectory, 'qemu-aarch64-static.tar'));
  });

  it('rejects a dynamically linked QEMU', async () => {
    const qemuDirectory = path.join(workDirectory, 'dynamic-qemu');
    mkdirSync(qemuDirectory);
    copyFileSync(DYNAMIC_QEMU, path.join(qemuDirectory, 'qemu-arm-static'));
    copyFileSync('/usr/bin/qemu-aarch64-static', path.join(qemuDirectory, 'qemu-aarch64-static'));

    await expect(
      makeBundle({ qemuDirectory, busyboxPath: STATIC_BINARY, helperScriptPath: HELPER_SCRIPT, outputDirectory: path.join(workDirectory, 'bad') }),
    ).rejects.toMatchObject({ code: 'BUNDLE_INVALID', message: expect.stringContaining('dynamically linked') as unknown });
  });
});

describe('loadBundle', () => {
  it('rejects a dynamically linked QEMU at start', async () => {
    const outputDirectory = path.join(workDirectory, 'dynamic-at-start');
    await makeBundle({ qemuDirectory: '/usr/bin', busyboxPath: STATIC_BINARY, helperScriptPath: HELPER_SCRIPT, outputDirectory });
    // Replaces the tar's QEMU behind makeBundle's back, as a hand-edited bundle would.
    const pack = tarStream.pack();
    const content = readFileSync(DYNAMIC_QEMU);
    pack.entry({ name: 'usr/bin/qemu-arm-static', mode: 0o755, size: content.length }, content);
    pack.finalize();
    await pipeline(pack, createWriteStream(path.join(outputDirectory, 'qemu-arm-static.tar')));

    await expect(loadBundle(outputDirectory)).rejects.toMatchObject({
      code: 'BUNDLE_INVALID',
      message: expect.stringContaining("Debian's qemu-user-static package") as unknown,
    });
  });

  it('rejects a tar whose QEMU was swapped', async () => {
    const outputDirectory = path.join(workDirectory, 'swapped');
    await makeBundle({ qemuDirectory: '/usr/bin', busyboxPath: STATIC_BINARY, helperScriptPath: HELPER_SCRIPT, outputDirectory });
    const swapped = path.join(workDirectory, 'swapped-source');
    mkdirSync(swapped);
    copyFileSync('/usr/bin/qemu-aarch64-static', path.join(swapped, 'qemu-arm-static'));
    copyFileSync('/usr/bin/qemu-aarch64-static', path.join(swapped, 'qemu-aarch64-static'));
    const other = path.join(workDirectory, 'other');
    await makeBundle({ qemuDirectory: swapped, busyboxPath: STATIC_BINARY, helperScriptPath: HELPER_SCRIPT, outputDirectory: other });
    copyFileSync(path.join(other, 'qemu-arm-static.tar'), path.join(outputDirectory, 'qemu-arm-static.tar'));

    await expect(loadBundle(outputDirectory)).rejects.toMatchObject({ code: 'BUNDLE_INVALID' });
  });

  it('reports a missing bundle with the command that makes it', async () => {
    const missing = path.join(workDirectory, 'missing');
    await expect(loadBundle(missing)).rejects.toMatchObject({ code: 'BUNDLE_MISSING', message: expect.stringContaining('prepare-assets.sh') as unknown });
  });
});

describe('findEmbeddedQemuVersion', () => {
  it.each(['arm', 'aarch64'])('matches qemu-%s-static --version', (arch) => {
    const binaryPath = `/usr/bin/qemu-${arch}-static`;
    const printed = execFileSync(binaryPath, ['--version'], { encoding: 'utf8' }).split('\n')[0];

    expect(printed).toBe(`qemu-${arch} version ${findEmbeddedQemuVersion(readFileSync(binaryPath))}`);
  });

  it('returns null for a program without a QEMU version', () => {
    expect(findEmbeddedQemuVersion(Buffer.from('\0not a version\0'))).toBeNull();
  });
});
