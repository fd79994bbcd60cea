import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { createEngineClient } from '../../src/engine/client.ts';
import { LABELS } from '../../src/engine/labels.ts';
import { demuxDockerStream } from '../../src/engine/streams.ts';
import { createServices, type Services } from '../../src/services.ts';

export const REPOSITORY_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const BUNDLE_DIR = path.join(REPOSITORY_ROOT, 'build', 'bundle');
export const CLI_PATH = path.join(REPOSITORY_ROOT, 'backend', 'bin', 'arm-runner.mjs');

/** The extension image that "make build-extension" builds. */
export const EXTENSION_IMAGE = process.env.ARM_RUNNER_EXTENSION_IMAGE ?? 'armrunner/docker-extension:dev';
/** The linux/arm64 cross-build that "make build-extension PLATFORM=linux/arm64 TAG=dev-arm64" makes. */
export const EXTENSION_IMAGE_ARM64 = process.env.ARM_RUNNER_EXTENSION_IMAGE_ARM64 ?? 'armrunner/docker-extension:dev-arm64';

export const FIXTURES = {
  armv7: 'arm-runner-fixture/httpd:armv7',
  armv6: 'arm-runner-fixture/httpd:armv6',
  arm64: 'arm-runner-fixture/httpd:arm64',
  noExpose: 'arm-runner-fixture/httpd-noexpose:armv7',
  sample: 'arm-runner-sample:armv7',
  native: `arm-runner-fixture/httpd:${process.arch === 'arm64' ? 'arm64' : 'amd64'}`,
  riscv64: 'arm-runner-fixture/config-riscv64:test',
  s390x: 'arm-runner-fixture/config-s390x:test',
  entrypointScript: 'arm-runner-fixture/entrypoint-script:armv7',
  setuid: 'arm-runner-fixture/setuid:armv7',
  v7BinaryInArmv6: 'arm-runner-fixture/v7-binary:armv6',
  armhfBinaryInArm64: 'arm-runner-fixture/wrong-arch:arm64',
} as const;

/**
 * The tests' own Engine API client (dockerode), for setup and checks that
 * should not depend on the product's client.
 */
export const docker = new Docker();

/**
 * Connects to the real engine, checks the fixtures and creates the services
 * on the product's own engine client. It throws instead of skipping, so a
 * machine without an engine fails the run.
 */
export async function connectToEngine(): Promise<Services> {
  try {
    await docker.ping();
  } catch (error) {
    throw new Error(`The Docker engine is not reachable (${String(error)}). Run scripts/provision-engine.sh first.`);
  }
  for (const reference of Object.values(FIXTURES)) {
    try {
      await docker.getImage(reference).inspect();
    } catch {
      throw new Error(`Fixture image ${reference} is missing. Run scripts/prepare-assets.sh first.`);
    }
  }
  return createServices({
    bundleDirectory: BUNDLE_DIR,
    sampleArchivePath: path.join(REPOSITORY_ROOT, 'build', 'images', 'sample-armv7.tar'),
    docker: createEngineClient(),
  });
}

export async function allContainerIds(docker: Docker): Promise<string[]> {
  return (await docker.listContainers({ all: true })).map((container) => container.Id).sort();
}

export async function managedImageIds(docker: Docker, role: string): Promise<string[]> {
  const images = await docker.listImages({ filters: { label: [`${LABELS.managed}=true`, `${LABELS.role}=${role}`] } });
  return images.map((image) => image.Id).sort();
}

export async function managedRunIds(docker: Docker): Promise<string[]> {
  const runs = await docker.listContainers({ all: true, filters: { label: [`${LABELS.managed}=true`, `${LABELS.role}=run`] } });
  return runs.map((run) => run.Id);
}

/**
 * Removes the runs a test file left behind: ARM Runner runs that did not
 * exist when the file started. The user's own runs are kept.
 */
export async function removeRunsCreatedSince(docker: Docker, runIdsBefore: string[]): Promise<void> {
  const before = new Set(runIdsBefore);
  for (const id of await managedRunIds(docker)) {
    if (!before.has(id)) {
      await docker.getContainer(id).remove({ force: true });
    }
  }
}

/** Runs a plain image (no QEMU added) to completion and returns its exit code and output. */
export async function runPlain(docker: Docker, image: string, command: string[]): Promise<{ exitCode: number; output: string }> {
  const container = await docker.createContainer({ Image: image, Cmd: command });
  try {
    // Some runc versions report an exec failure from start, others from the
    // process's own output, so both are collected.
    let startError = '';
    await container.start().catch((error: unknown) => {
      startError = String(error);
    });
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    const logs = (await container.logs({ stdout: true, stderr: true }));
    return { exitCode: StatusCode, output: `${startError}${demuxDockerStream(logs).combined}` };
  } finally {
    await container.remove({ force: true });
  }
}

export async function fetchText(url: string): Promise<string> {
  const response = await fetch(url);
  return response.text();
}
