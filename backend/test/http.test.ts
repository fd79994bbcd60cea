import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { RunResult, TaskInfo } from '@arm-runner/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, listen } from '../src/http/server.ts';
import { requestOverSocket, setUpEngineTest, type SocketReply } from './rig/engine-test-context.ts';
import { FIXTURES, fetchText } from './rig/engine-rig.ts';

const engine = setUpEngineTest({ arm: '', aarch64: '' });
let app: ReturnType<typeof buildServer>;
let socketDirectory: string;
let socketPath: string;

/** Sends one request over the backend's unix socket, as Docker Desktop does. */
function call(method: string, route: string, body?: unknown): Promise<SocketReply> {
  return requestOverSocket(socketPath, method, route, body);
}

async function waitForTask(taskId: string): Promise<TaskInfo<RunResult>> {
  for (let attempt = 0; attempt < 600; attempt += 1) {
    const reply = await call('GET', `/tasks/${taskId}`);
    const task = reply.body as TaskInfo<RunResult>;
    if (task.state === 'succeeded' || task.state === 'failed') {
      return task;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`task ${taskId} did not finish within 120 s`);
}

beforeAll(async () => {
  socketDirectory = mkdtempSync(path.join(os.tmpdir(), 'arm-runner-socket-'));
  socketPath = path.join(socketDirectory, 'backend.sock');
  // A file left behind by a crashed backend must not stop the next one.
  writeFileSync(socketPath, 'stale');
  app = buildServer(engine.services);
  await listen(app, { socketPath });
});

afterAll(async () => {
  await app.close();
  rmSync(socketDirectory, { recursive: true, force: true });
});

describe('HTTP API on a unix socket', () => {
  it('GET /status returns verdicts', async () => {
    const reply = await call('GET', '/status');
    expect(reply.status).toBe(200);
    const status = reply.body as { platforms: { platform: string; code: string }[] };
    expect(status.platforms.find((verdict) => verdict.platform === 'linux/arm64')?.code).toBe('needs-qemu-in-image');
  });

  it('POST /runs is a task that ends with a served endpoint', async () => {
    const accepted = await call('POST', '/runs', { image: FIXTURES.armv7 });
    expect(accepted.status).toBe(202);
    const task = await waitForTask((accepted.body as { taskId: string }).taskId);

    expect(task.state).toBe('succeeded');
    expect(task.log.some((line) => line.startsWith('Waiting for http://127.0.0.1:'))).toBe(true);
    const run = task.result!;
    expect(task.endpoint).toBe(run.endpoints[0]);
    expect(run.emulation.machine).toBe('armv7l');
    expect(await fetchText(run.endpoints[0] ?? '')).toContain('ARM Runner fixture (linux/arm/v7)');

    const list = await call('GET', '/runs');
    expect((list.body as { id: string }[]).map((listed) => listed.id)).toContain(run.id);

    const single = await call('GET', `/runs/${run.id}`);
    expect((single.body as RunResult).emulation.interpreter).toBe('/usr/bin/qemu-arm-static');

    const logs = await call('GET', `/runs/${run.id}/logs?tail=10`);
    expect((logs.body as { logs: string }).logs).toMatch(/response:200/);

    const removed = await call('DELETE', `/runs/${run.id}`);
    expect(removed.status).toBe(200);
    const again = await call('DELETE', `/runs/${run.id}`);
    expect(again.status).toBe(404);
    expect(again.body).toMatchObject({ code: 'RUN_NOT_FOUND' });
  });

  it('POST /augmented-images builds or reuses', async () => {
    const accepted = await call('POST', '/augmented-images', { image: FIXTURES.arm64 });
    const task = await waitForTask((accepted.body as { taskId: string }).taskId);
    expect(task.state).toBe('succeeded');
    expect(task.result).toMatchObject({ augmentedImage: 'arm-runner/arm-runner-fixture/httpd:arm64-linux-arm64', platform: 'linux/arm64' });
  });

  it('failed run task carries the error shape', async () => {
    const accepted = await call('POST', '/runs', { image: FIXTURES.arm64, platform: 'linux/arm/v6' });
    const task = await waitForTask((accepted.body as { taskId: string }).taskId);
    expect(task.state).toBe('failed');
    expect(task.error?.code).toBe('PLATFORM_MISMATCH');
  });

  it('GET /images lists local ARM images only', async () => {
    const reply = await call('GET', '/images');
    expect(reply.status).toBe(200);
    const images = reply.body as { reference: string; platform: string; exposedPorts: { containerPort: number }[] }[];
    const armv7 = images.find((image) => image.reference === FIXTURES.armv7);
    expect(armv7?.platform).toBe('linux/arm/v7');
    expect(armv7?.exposedPorts).toEqual([{ containerPort: 80, protocol: 'tcp' }]);
    expect(images.find((image) => image.reference === FIXTURES.arm64)?.platform).toBe('linux/arm64');
    expect(images.some((image) => image.reference === FIXTURES.native)).toBe(false);
    expect(images.some((image) => image.reference.startsWith('arm-runner/'))).toBe(false);
  });

  it('POST /sample runs the built-in sample', async () => {
    const accepted = await call('POST', '/sample');
    expect(accepted.status).toBe(202);
    const task = await waitForTask((accepted.body as { taskId: string }).taskId);
    expect(task.state).toBe('succeeded');
    expect(task.result?.image).toBe(FIXTURES.sample);
    expect(await fetchText(task.result?.endpoints[0] ?? '')).toContain('ARM Runner sample');
    await call('DELETE', `/runs/${task.result?.id}`);
  });

  it('rejects unknown fields and wrong types', async () => {
    const unknownField = await call('POST', '/runs', { image: FIXTURES.armv7, privileged: true });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body).toMatchObject({ code: 'INVALID_REQUEST' });

    const wrongType = await call('POST', '/runs', { image: ['x'] });
    expect(wrongType.status).toBe(400);
  });

  it('rejects a malformed reference before any task', async () => {
    const uppercase = await call('POST', '/runs', { image: 'Nope:1' });
    expect(uppercase.status).toBe(400);
    expect(uppercase.body).toMatchObject({ code: 'INVALID_IMAGE_REFERENCE' });

    const platform = await call('POST', '/runs', { image: FIXTURES.armv7, platform: 'linux/amd64' });
    expect(platform.status).toBe(400);
    expect(platform.body).toMatchObject({ code: 'INVALID_PLATFORM' });
  });

  it('rejects invalid handler requests', async () => {
    const badFlags = await call('POST', '/handlers', { arches: ['arm'], flags: 'X' });
    expect(badFlags.status).toBe(400);
    const badArch = await call('POST', '/handlers', { arches: ['x86_64'] });
    expect(badArch.status).toBe(400);
  });

  it('rejects a body that is not JSON', async () => {
    const reply = await new Promise<number>((resolve, reject) => {
      const request = http.request({ socketPath, path: '/runs', method: 'POST', headers: { 'content-type': 'application/json' } }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', reject);
      request.end('{not json');
    });
    expect(reply).toBe(400);
  });

  it('unknown task and route get 404', async () => {
    expect((await call('GET', '/tasks/nope')).body).toMatchObject({ code: 'TASK_NOT_FOUND' });
    expect((await call('GET', '/nowhere')).status).toBe(404);
  });
});
