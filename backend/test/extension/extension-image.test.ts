import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import tarStream from 'tar-stream';
import { parse as parseYaml } from 'yaml';
import type { RunResult, TaskInfo } from '@arm-runner/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readArmEntries, restoreArmEntries, setArmHandlers, type SavedEntry } from '../rig/binfmt-rig.ts';
import { requestOverSocket } from '../rig/engine-test-context.ts';
import { compressedImageSize } from '../rig/image-size.ts';
import { readElfInfo } from '../../src/emulation/elf.ts';
import { demuxDockerStream } from '../../src/engine/streams.ts';
import { roleFilter } from '../../src/engine/labels.ts';
import { EXTENSION_IMAGE, EXTENSION_IMAGE_ARM64, connectToEngine, docker, fetchText, managedRunIds, removeRunsCreatedSince } from '../rig/engine-rig.ts';


// Label rules that Docker Desktop and the marketplace validator check.
const REQUIRED_LABELS = [
  'org.opencontainers.image.title',
  'org.opencontainers.image.description',
  'org.opencontainers.image.vendor',
  'com.docker.desktop.extension.api.version',
  'com.docker.desktop.extension.icon',
  'com.docker.extension.screenshots',
  'com.docker.extension.detailed-description',
  'com.docker.extension.publisher-url',
  'com.docker.extension.changelog',
  'com.docker.extension.categories',
  'com.docker.extension.additional-urls',
];
const METADATA_KEYS = ['icon', 'vm', 'ui'];
const EM_AARCH64 = 183;

/** Reads one file out of an image without running it, as Docker Desktop does at install. */
async function readBytesFromImage(docker: Docker, image: string, filePath: string): Promise<Buffer> {
  const container = await docker.createContainer({ Image: image, Cmd: ['true'] });
  try {
    const archive = await container.getArchive({ path: filePath });
    const extract = tarStream.extract();
    archive.pipe(extract);
    let content = Buffer.alloc(0);
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry as AsyncIterable<Buffer>) {
        chunks.push(chunk);
      }
      content = Buffer.concat(chunks);
    }
    return content;
  } finally {
    await container.remove({ force: true });
  }
}

async function readFileFromImage(docker: Docker, image: string, filePath: string): Promise<string> {
  return (await readBytesFromImage(docker, image, filePath)).toString('utf8');
}

let savedEntries: SavedEntry[];
let runIdsBefore: string[];
let inspect: Docker.ImageInspectInfo;

beforeAll(async () => {
  // Checks the engine and the fixtures.
  await connectToEngine();
  try {
    inspect = await docker.getImage(EXTENSION_IMAGE).inspect();
  } catch {
    throw new Error(`The extension image ${EXTENSION_IMAGE} is missing. Run "make build-extension" first.`);
  }
  savedEntries = readArmEntries();
  runIdsBefore = await managedRunIds(docker);
  setArmHandlers({ arm: '' });
  // The size goes to the test output, so that every CI log records it.
  const compressed = await compressedImageSize(docker, EXTENSION_IMAGE);
  console.log(
    `Extension image ${EXTENSION_IMAGE} (${inspect.Architecture}): ${(inspect.Size / 1e6).toFixed(1)} MB uncompressed, ` +
      `${(compressed / 1e6).toFixed(1)} MB as docker save | gzip`,
  );
});

afterAll(async () => {
  restoreArmEntries(savedEntries);
  await removeRunsCreatedSince(docker, runIdsBefore);
});

describe('extension image conformance', () => {
  it('has every required label, none empty', () => {
    const labels = inspect.Config.Labels ?? {};
    for (const key of REQUIRED_LABELS) {
      expect(labels[key], key).toBeTypeOf('string');
      expect(labels[key]?.trim(), key).not.toBe('');
    }
  });

  it('has well-formed JSON labels', () => {
    const labels = inspect.Config.Labels ?? {};
    const screenshots = JSON.parse(labels['com.docker.extension.screenshots'] ?? '') as { alt: string; url: string }[];
    expect(screenshots.length).toBeGreaterThan(0);
    for (const screenshot of screenshots) {
      expect(screenshot.alt).not.toBe('');
      expect(screenshot.url).toMatch(/^https:\/\//);
    }
    const urls = JSON.parse(labels['com.docker.extension.additional-urls'] ?? '') as { title: string; url: string }[];
    expect(urls.every((entry) => entry.title !== '' && entry.url.startsWith('https://'))).toBe(true);
    expect(labels['com.docker.desktop.extension.api.version']).toMatch(/^>=\s*\d+\.\d+\.\d+$/);
    expect(labels['com.docker.extension.publisher-url']).toMatch(/^https:\/\//);
  });

  it('has metadata.json with only known keys', async () => {
    const metadata = JSON.parse(await readFileFromImage(docker, EXTENSION_IMAGE, '/metadata.json')) as Record<string, unknown>;
    expect(Object.keys(metadata).sort()).toEqual([...METADATA_KEYS].sort());
    expect(metadata.ui).toEqual({ 'dashboard-tab': { title: 'ARM Runner', root: '/ui', src: 'index.html' } });
    expect(metadata.vm).toEqual({ composefile: 'docker-compose.yaml', exposes: { socket: 'backend.sock' } });
    expect(metadata.icon).toBe('docker.svg');
    expect(await readFileFromImage(docker, EXTENSION_IMAGE, '/docker.svg')).toContain('<svg');
    expect(await readFileFromImage(docker, EXTENSION_IMAGE, '/ui/index.html')).toContain('<div id="root">');
  });
});

describe('install path as Docker Desktop runs it', () => {
  let socketDirectory: string;
  let backend: Docker.Container | undefined;

  afterAll(async () => {
    await backend?.remove({ force: true });
    rmSync(socketDirectory, { recursive: true, force: true });
  });

  it('starts the vm service from the compose file and runs the sample', async () => {
    const composeText = await readFileFromImage(docker, EXTENSION_IMAGE, '/docker-compose.yaml');
    const compose = parseYaml(composeText) as {
      services: Record<string, { image: string; volumes?: string[]; cap_drop?: string[]; network_mode?: string }>;
    };
    const [serviceName, service] = Object.entries(compose.services)[0] ?? [];
    expect(serviceName).toBe('arm-runner');
    expect(service?.image).toBe('${DESKTOP_PLUGIN_IMAGE}');
    expect(service?.volumes).toContain('/var/run/docker.sock.raw:/var/run/docker.sock');

    // Docker Desktop gives the service its raw engine socket and a folder for
    // the backend socket. Here the host's own engine socket is used instead.
    socketDirectory = mkdtempSync(path.join(os.tmpdir(), 'arm-runner-guest-services-'));
    backend = await docker.createContainer({
      Image: EXTENSION_IMAGE,
      Labels: { 'io.arm-runner.test': 'install-path' },
      HostConfig: {
        Binds: ['/var/run/docker.sock:/var/run/docker.sock', `${socketDirectory}:/run/guest-services`],
        CapDrop: service?.cap_drop ?? [],
        NetworkMode: service?.network_mode ?? 'bridge',
      },
    });
    await backend.start();

    const socketPath = path.join(socketDirectory, 'backend.sock');
    for (let attempt = 0; attempt < 100 && !existsSync(socketPath); attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(existsSync(socketPath)).toBe(true);

    const status = await requestOverSocket(socketPath, 'GET', '/status');
    expect(status.status).toBe(200);
    expect((status.body as { platforms: { platform: string; code: string }[] }).platforms[1]).toMatchObject({
      platform: 'linux/arm/v7',
      code: 'needs-qemu-in-image',
    });

    // Without the sample image, the backend must load it from the archive inside the extension image.
    await docker
      .getImage('arm-runner-sample:armv7')
      .remove()
      .catch((error: unknown) => {
        if ((error as { statusCode?: number }).statusCode !== 404) {
          console.warn(`The sample image stays, so its archive is not exercised: ${String(error)}`);
        }
      });

    const accepted = await requestOverSocket(socketPath, 'POST', '/sample', {});
    expect(accepted.status).toBe(202);
    let task: TaskInfo<RunResult> | undefined;
    for (let attempt = 0; attempt < 300; attempt += 1) {
      task = (await requestOverSocket(socketPath, 'GET', `/tasks/${(accepted.body as { taskId: string }).taskId}`)).body as TaskInfo<RunResult>;
      if (task.state === 'succeeded' || task.state === 'failed') {
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(task?.error).toBeUndefined();
    expect(task?.state).toBe('succeeded');
    expect(task?.result?.emulation.machine).toBe('armv7l');
    expect(await fetchText(task?.result?.endpoints[0] ?? '')).toContain('ARM Runner sample');

    const removed = await requestOverSocket(socketPath, 'DELETE', `/runs/${task?.result?.id}`);
    expect(removed.status).toBe(200);
  });

  it('reads binfmt_misc through a resident helper that leaves with the backend', async () => {
    // The backend's container has no binfmt_misc of its own, as inside Docker Desktop.
    const logs = demuxDockerStream(await backend!.logs({ stdout: true, stderr: true, follow: false })).combined;
    const viewLine = logs.split('\n').find((line) => line.includes('"event":"binfmt.view"'));
    expect(viewLine).toContain('"source":"helper"');
    expect(logs).toContain('"event":"binfmt.resident-started"');
    expect(await docker.listContainers({ filters: { label: roleFilter('binfmt-reader') } })).toHaveLength(1);

    // A backend that is killed drops its connection, so the reader's input ends and the engine removes it.
    await backend!.kill();
    let left = 1;
    for (let attempt = 0; attempt < 50 && left > 0; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      left = (await docker.listContainers({ all: true, filters: { label: roleFilter('binfmt-reader') } })).length;
    }
    expect(left).toBe(0);
  });
});

describe('linux/arm64 extension image', () => {
  let arm64Inspect: Docker.ImageInspectInfo;

  beforeAll(async () => {
    try {
      arm64Inspect = await docker.getImage(EXTENSION_IMAGE_ARM64).inspect();
    } catch {
      throw new Error(`The image ${EXTENSION_IMAGE_ARM64} is missing. Run "make build-extension PLATFORM=linux/arm64 TAG=dev-arm64" first.`);
    }
    const compressed = await compressedImageSize(docker, EXTENSION_IMAGE_ARM64);
    console.log(`Extension image ${EXTENSION_IMAGE_ARM64}: ${(arm64Inspect.Size / 1e6).toFixed(1)} MB uncompressed, ${(compressed / 1e6).toFixed(1)} MB as docker save | gzip`);
  });

  it('carries arm64 programs and the same labels', async () => {
    expect(arm64Inspect.Architecture).toBe('arm64');
    expect(arm64Inspect.Config.Labels).toEqual(inspect.Config.Labels);

    const node = readElfInfo(await readBytesFromImage(docker, EXTENSION_IMAGE_ARM64, '/usr/local/bin/node'));
    expect(node?.machine).toBe(EM_AARCH64);
    const qemuTar = await readBytesFromImage(docker, EXTENSION_IMAGE_ARM64, '/opt/arm-runner/bundle/qemu-arm-static.tar');
    // The tar's first member starts after one 512-byte header.
    const qemu = readElfInfo(qemuTar.subarray(512, 512 + 65536));
    expect(qemu?.machine).toBe(EM_AARCH64);
    expect(qemu?.hasInterpreter).toBe(false);
  });

  it('starts its backend under emulation', async () => {
    setArmHandlers({ arm: '', aarch64: 'F' });
    const container = await docker.createContainer({
      Image: EXTENSION_IMAGE_ARM64,
      Cmd: ['node', '-e', 'console.log(process.arch); process.argv = [process.execPath, "/backend/arm-runner.mjs", "--version"]; import("/backend/arm-runner.mjs")'],
      Labels: { 'io.arm-runner.test': 'arm64-image' },
    });
    try {
      await container.start();
      const { StatusCode } = (await container.wait()) as { StatusCode: number };
      const output = demuxDockerStream(await container.logs({ stdout: true, stderr: true })).combined;
      expect(output).toMatch(/^arm64\n/);
      expect(output).toMatch(/^\d+\.\d+\.\d+$/m);
      expect(StatusCode).toBe(0);
    } finally {
      await container.remove({ force: true });
    }
  });
});
