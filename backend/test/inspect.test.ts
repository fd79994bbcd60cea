import { Readable } from 'node:stream';
import type { ImageInspection } from '@arm-runner/contract';
import tarStream from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArmRunnerError } from '../src/errors.ts';
import { LABELS } from '../src/engine/labels.ts';
import { inspectImage } from '../src/inspect/image-inspector.ts';
import type { EngineClient } from '../src/engine/client.ts';
import { FIXTURES, connectToEngine, docker as testDocker } from './rig/engine-rig.ts';

// Inspects the fixture images in the real engine. Inspection never starts a
// container, so these tests read and change no binfmt_misc state.

let docker: EngineClient;

beforeAll(async () => {
  docker = (await connectToEngine()).docker;
});

/** Returns the ids of the inspection containers for an image that still exist. */
async function inspectContainersFor(imageId: string): Promise<string[]> {
  const containers = await testDocker.listContainers({
    all: true,
    filters: { label: [`${LABELS.managed}=true`, `${LABELS.role}=inspect`, `${LABELS.sourceImageId}=${imageId}`] },
  });
  return containers.map((container) => container.Id);
}

/** Inspects a fixture and checks that its inspection container is gone afterwards. */
async function inspectFixture(reference: string, options: { maxFileBytes?: number } = {}): Promise<ImageInspection> {
  const inspection = await inspectImage(docker, reference, options);
  expect(await inspectContainersFor(inspection.imageId)).toEqual([]);
  return inspection;
}

function chain(inspection: ImageInspection): string[] {
  return inspection.program.steps.map((step) => (step.target === undefined ? `${step.kind} ${step.path}` : `${step.kind} ${step.path} -> ${step.target}`));
}

function codes(inspection: ImageInspection): string[] {
  return inspection.findings.map((finding) => finding.code);
}

describe('inspectImage on the httpd fixtures', () => {
  it('reads the armv7 image', async () => {
    const inspection = await inspectFixture(FIXTURES.armv7);
    expect(inspection.imageId).toBe((await testDocker.getImage(FIXTURES.armv7).inspect()).Id);
    expect(inspection.platform).toEqual({ os: 'linux', architecture: 'arm', variant: 'v7' });
    expect(inspection.user).toBe('');
    expect(inspection.program.command).toEqual(['/bin/busybox', 'httpd', '-f', '-v', '-p', '80', '-h', '/www']);
    expect(chain(inspection)).toEqual(['elf /bin/busybox']);
    expect(inspection.program.elf?.machine).toEqual({ value: 40, name: 'ARM' });
    expect(inspection.program.elf?.arm).toEqual({ eabiVersion: 5, floatAbi: 'hard' });
    expect(inspection.program.elf?.armAttributes?.cpuArch?.name).toBe('v7');
    expect(inspection.program.elf?.linkage).toBe('static');
    expect(inspection.program.elfReadLimited).toBe(false);
    expect(inspection.program.loader).toBeNull();
    expect(inspection.privilegedFiles).toEqual({ count: 0, files: [] });
    expect(inspection.findings).toEqual([]);
  });

  it('reads the armv6 image as ARMv5TE soft float', async () => {
    const inspection = await inspectFixture(FIXTURES.armv6);
    expect(inspection.platform).toEqual({ os: 'linux', architecture: 'arm', variant: 'v6' });
    expect(chain(inspection)).toEqual(['elf /bin/busybox']);
    expect(inspection.program.elf?.arm).toEqual({ eabiVersion: 5, floatAbi: 'soft' });
    expect(inspection.program.elf?.armAttributes?.cpuArch?.name).toBe('v5TE');
    expect(inspection.findings).toEqual([]);
  });

  it('reads the arm64 image as AArch64', async () => {
    const inspection = await inspectFixture(FIXTURES.arm64);
    expect(inspection.platform.architecture).toBe('arm64');
    expect(inspection.program.elf?.elfClass).toBe(64);
    expect(inspection.program.elf?.machine).toEqual({ value: 183, name: 'AArch64' });
    expect(inspection.program.elf?.arm).toBeNull();
    expect(inspection.findings).toEqual([]);
  });

  it('marks a program read up to the limit', async () => {
    const inspection = await inspectFixture(FIXTURES.armv7, { maxFileBytes: 4096 });
    expect(inspection.program.elfReadLimited).toBe(true);
    expect(inspection.program.elf?.machine.name).toBe('ARM');
    expect(inspection.program.elf?.armAttributes).toBeNull();
    expect(codes(inspection)).toEqual(['elf-read-limited']);
  });
});

describe('inspectImage on the inspection fixtures', () => {
  it('follows a script entrypoint to busybox', async () => {
    const inspection = await inspectFixture(FIXTURES.entrypointScript);
    expect(inspection.program.command).toEqual(['/entrypoint.sh']);
    expect(chain(inspection)).toEqual(['script /entrypoint.sh -> /bin/sh', 'symlink /bin/sh -> busybox', 'elf /bin/busybox']);
    expect(inspection.program.elfPath).toBe('/bin/busybox');
    expect(inspection.program.elf?.machine.name).toBe('ARM');
    expect(inspection.findings).toEqual([]);
  });

  it('lists the setuid su', async () => {
    const inspection = await inspectFixture(FIXTURES.setuid);
    expect(inspection.user).toBe('1000');
    expect(inspection.privilegedFiles).toEqual({ count: 1, files: [{ path: '/bin/su', mode: 0o4755, setuid: true, setgid: false }] });
    expect(codes(inspection)).toEqual(['setuid-files']);
    expect(inspection.findings[0]?.paths).toEqual(['/bin/su']);
    expect(inspection.findings[0]?.message).toContain('C flag');
  });

  it('flags an ARMv7 program in an arm/v6 image', async () => {
    const inspection = await inspectFixture(FIXTURES.v7BinaryInArmv6);
    expect(inspection.platform).toEqual({ os: 'linux', architecture: 'arm', variant: 'v6' });
    expect(inspection.program.elf?.armAttributes?.cpuArch).toEqual({ value: 10, name: 'v7' });
    expect(codes(inspection)).toEqual(['cpu-too-new-for-armv6']);
    expect(inspection.findings[0]?.severity).toBe('error');
    expect(inspection.findings[0]?.message).toContain('QEMU_CPU=arm1176');
    expect(inspection.findings[0]?.paths).toEqual(['/bin/busybox']);
  });

  it('flags a 32-bit ARM program in an arm64 image', async () => {
    const inspection = await inspectFixture(FIXTURES.armhfBinaryInArm64);
    expect(inspection.platform).toEqual({ os: 'linux', architecture: 'arm64', variant: null });
    expect(inspection.program.elf?.elfClass).toBe(32);
    expect(codes(inspection)).toEqual(['architecture-mismatch']);
    expect(inspection.findings[0]?.message).toContain('The image config says linux/arm64');
    expect(inspection.findings[0]?.message).toContain('a 32-bit ARM program (EABI5, hard float)');
    expect(inspection.findings[0]?.message).toContain('emulated with qemu-aarch64, and this program needs qemu-arm');
  });
});

/** Imports a two-file root filesystem as an image with no ENTRYPOINT and no CMD, and returns its id. */
async function importImageWithoutCommand(reference: string): Promise<string> {
  const pack = tarStream.pack();
  pack.entry({ name: 'etc/hostname', mode: 0o644 }, 'inspect\n');
  pack.entry({ name: 'usr/bin/wall', mode: 0o2755 }, 'not a program\n');
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) {
    chunks.push(chunk as Buffer);
  }

  const [repo, tag] = reference.split(':');
  const progress = await testDocker.importImage(Readable.from([Buffer.concat(chunks)]), { repo, tag });
  await new Promise<void>((resolve, reject) => {
    testDocker.modem.followProgress(progress, (error: Error | null, output: { error?: string }[]) => {
      const failed = output.find((line) => line.error !== undefined);
      if (error !== null || failed !== undefined) {
        reject(error ?? new Error(failed?.error));
        return;
      }
      resolve();
    });
  });
  return (await testDocker.getImage(reference).inspect()).Id;
}

describe('inspectImage on an image without a command', () => {
  const reference = 'arm-runner-fixture/inspect-no-command:test';
  let imageId = '';

  beforeAll(async () => {
    imageId = await importImageWithoutCommand(reference);
  });

  afterAll(async () => {
    if (imageId !== '') {
      await testDocker.getImage(imageId).remove({ force: true });
    }
  });

  it('reports no command and lists setgid files', async () => {
    const inspection = await inspectFixture(reference);
    expect(inspection.imageId).toBe(imageId);
    expect(inspection.program.program).toBeNull();
    expect(inspection.program.steps).toEqual([]);
    expect(inspection.privilegedFiles).toEqual({ count: 1, files: [{ path: '/usr/bin/wall', mode: 0o2755, setuid: false, setgid: true }] });
    expect(codes(inspection)).toEqual(['no-command', 'setuid-files']);
  });
});

describe('inspectImage errors', () => {
  it('rejects an image that does not exist', async () => {
    const reference = 'arm-runner-fixture/does-not-exist:inspect';
    const error = await inspectImage(docker, reference).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ArmRunnerError);
    expect((error as ArmRunnerError).code).toBe('IMAGE_NOT_FOUND');
    expect((error as ArmRunnerError).message).toContain(reference);
  });
});
