import net from 'node:net';
import type { ApiError, RunResult, TaskInfo } from '@arm-runner/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { followProgress } from '../src/engine/streams.ts';
import { buildProgramArchive } from '../src/emulation/probe-image.ts';
import { probeProgram } from '../src/emulation/probe-program.ts';
import { startApiServer, type ApiServer } from './rig/api-server.ts';
import { setArmHandlers } from './rig/binfmt-rig.ts';
import { setUpEngineTest } from './rig/engine-test-context.ts';
import { FIXTURES, allContainerIds } from './rig/engine-rig.ts';

// Bad input through the API edge, as the tab and the CLI send it, against the
// real engine. Every row must give its error code with a message that states
// what to do, and leave the engine's containers and images as they were.

const engine = setUpEngineTest();
let api: ApiServer;
let busyServer: net.Server;
let busyPort = 0;
const EXITS_AT_ONCE = 'arm-runner-test/exits-at-once:armv7';

async function allImageIds(): Promise<string[]> {
  return (await engine.docker.listImages({ all: true })).map((image) => image.Id).sort();
}

/** Sends a run request and returns the error it ends with: straight away (4xx) or as a failed task. */
async function runError(body: unknown): Promise<ApiError> {
  const reply = await api.call('POST', '/runs', body);
  if (reply.status !== 202) {
    return reply.body as ApiError;
  }
  const { taskId } = reply.body as { taskId: string };
  for (let attempt = 0; attempt < 600; attempt += 1) {
    const task = (await api.call('GET', `/tasks/${taskId}`)).body as TaskInfo<RunResult>;
    if (task.state === 'failed' && task.error !== undefined) {
      return task.error;
    }
    if (task.state === 'succeeded') {
      throw new Error(`The run of ${JSON.stringify(body)} started, but it should have failed.`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`The run of ${JSON.stringify(body)} did not end within 60 s.`);
}

beforeAll(async () => {
  setArmHandlers({ arm: 'F', aarch64: 'F' });
  api = await startApiServer(engine.services);
  busyServer = net.createServer();
  await new Promise<void>((resolve) => busyServer.listen(0, '127.0.0.1', resolve));
  busyPort = (busyServer.address() as net.AddressInfo).port;

  // The probe program prints its machine name and exits, so as a web server it exits at once.
  const archive = buildProgramArchive({ platform: 'linux/arm/v7', tag: EXITS_AT_ONCE, program: probeProgram('arm'), labels: {}, exposedPorts: ['80/tcp'] });
  await followProgress(await engine.services.docker.loadImage(archive));
});

afterAll(async () => {
  await new Promise((resolve) => busyServer.close(resolve));
  await api.close();
  await engine.docker.getImage(EXITS_AT_ONCE).remove({ force: true });
});

describe('bad run requests', () => {
  const rows: [string, () => unknown, string, RegExp][] = [
    ['uppercase reference', () => ({ image: 'Arm-Runner/HTTPD:1' }), 'INVALID_IMAGE_REFERENCE', /lowercase/i],
    ['spaces in the reference', () => ({ image: 'arm runner fixture' }), 'INVALID_IMAGE_REFERENCE', /reference/i],
    ['empty reference', () => ({ image: '' }), 'INVALID_REQUEST', /empty/i],
    ['4 KB reference', () => ({ image: 'a'.repeat(4096) }), 'INVALID_REQUEST', /longer than/i],
    ['semicolon', () => ({ image: 'busybox;rm -rf /' }), 'INVALID_IMAGE_REFERENCE', /reference/i],
    ['command substitution', () => ({ image: 'busybox$(id)' }), 'INVALID_IMAGE_REFERENCE', /reference/i],
    ['backticks', () => ({ image: 'busybox`id`' }), 'INVALID_IMAGE_REFERENCE', /reference/i],
    ['path traversal in the tag', () => ({ image: 'busybox:../../etc/passwd' }), 'INVALID_IMAGE_REFERENCE', /contains "\.\."/],
    ['image that exists nowhere', () => ({ image: 'arm-runner-fixture/nowhere:1' }), 'IMAGE_NOT_FOUND', /arm-runner pull/],
    ['amd64 image', () => ({ image: FIXTURES.native }), 'RUNS_NATIVELY', /docker run/],
    ['riscv64 image', () => ({ image: FIXTURES.riscv64 }), 'UNSUPPORTED_PLATFORM', /linux\/arm\/v6, linux\/arm\/v7 and linux\/arm64/],
    ['s390x image', () => ({ image: FIXTURES.s390x }), 'UNSUPPORTED_PLATFORM', /linux\/s390x/],
    ['platform the image is not', () => ({ image: FIXTURES.armv7, platform: 'linux/arm64' }), 'PLATFORM_MISMATCH', /not linux\/arm64/],
    ['busy host port', () => ({ image: FIXTURES.armv7, publish: [{ containerPort: 80, hostPort: busyPort }] }), 'PORT_BUSY', /port/i],
    ['host port out of range', () => ({ image: FIXTURES.armv7, publish: [{ containerPort: 80, hostPort: 70000 }] }), 'INVALID_REQUEST', /hostPort/],
    ['container port not exposed', () => ({ image: FIXTURES.armv7, publish: [{ containerPort: 81 }] }), 'INVALID_PORT', /does not expose 81/],
    ['image without EXPOSE', () => ({ image: FIXTURES.noExpose }), 'NO_EXPOSED_PORTS', /--publish|publish/],
    ['program that exits at once', () => ({ image: EXITS_AT_ONCE }), 'PROGRAM_EXITED', /exited with code/],
    ['program that never answers', () => ({ image: FIXTURES.noExpose, publish: [{ containerPort: 81 }], waitSeconds: 2 }), 'ENDPOINT_TIMEOUT', /did not answer/],
    ['unknown field', () => ({ image: FIXTURES.armv7, ports: [80] }), 'INVALID_REQUEST', /ports/],
    ['wrong type', () => ({ image: 42 }), 'INVALID_REQUEST', /image/],
  ];

  it.each(rows)('%s', async (_name, body, code, message) => {
    const containersBefore = await allContainerIds(engine.docker);
    const imagesBefore = await allImageIds();

    const error = await runError(body());
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);

    expect(await allContainerIds(engine.docker)).toEqual(containersBefore);
    // An augmented image may be built for a valid image before its run fails; that is the
    // product's own cache. No other image may appear or disappear.
    const imagesAfter = await allImageIds();
    const removed = imagesBefore.filter((id) => !imagesAfter.includes(id));
    expect(removed).toEqual([]);
    for (const id of imagesAfter.filter((candidate) => !imagesBefore.includes(candidate))) {
      const labels = (await engine.docker.getImage(id).inspect()).Config.Labels ?? {};
      expect(labels['io.arm-runner.managed'], id).toBe('true');
    }
  });
});

describe('bad run ids', () => {
  it('unknown run id', async () => {
    const reply = await api.call('GET', '/runs/nosuchrun');
    expect(reply.status).toBe(404);
    expect((reply.body as ApiError).code).toBe('RUN_NOT_FOUND');
    expect((reply.body as ApiError).message).toContain('arm-runner ls');
  });

  it('removing a run twice', async () => {
    const run = await engine.services.runs.start({ image: FIXTURES.armv7, publish: [], exposeOnLan: false, waitSeconds: 60 });
    const first = await api.call('DELETE', `/runs/${run.id}`);
    expect(first.status).toBe(200);
    const second = await api.call('DELETE', `/runs/${run.id}`);
    expect(second.status).toBe(404);
    expect((second.body as ApiError).code).toBe('RUN_NOT_FOUND');
  });
});
