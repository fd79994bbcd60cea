import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ApiError } from '@arm-runner/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineClient } from '../src/engine/client.ts';
import { createServices, type Services } from '../src/services.ts';
import { startApiServer } from './rig/api-server.ts';
import { setArmHandlers } from './rig/binfmt-rig.ts';
import { setUpEngineTest } from './rig/engine-test-context.ts';
import { BUNDLE_DIR, CLI_PATH, FIXTURES, REPOSITORY_ROOT } from './rig/engine-rig.ts';

const execFileAsync = promisify(execFile);

/**
 * A unix socket that forwards to the engine's socket and can be stopped and
 * started again. The backend then loses the engine and gets it back, while
 * the engine itself, which other tests share, keeps running.
 */
class EngineSocketProxy {
  private server: net.Server | undefined;
  private readonly connections = new Set<net.Socket>();

  constructor(
    readonly socketPath: string,
    private readonly enginePath = '/var/run/docker.sock',
  ) {}

  async start(): Promise<void> {
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.enginePath);
      this.connections.add(client);
      this.connections.add(upstream);
      client.pipe(upstream).pipe(client);
      const close = (): void => {
        client.destroy();
        upstream.destroy();
        this.connections.delete(client);
        this.connections.delete(upstream);
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    });
    await new Promise<void>((resolve) => this.server?.listen(this.socketPath, resolve));
  }

  async stop(): Promise<void> {
    for (const connection of this.connections) {
      connection.destroy();
    }
    await new Promise((resolve) => (this.server === undefined ? resolve(undefined) : this.server.close(resolve)));
    this.server = undefined;
  }
}

setUpEngineTest();
let directory: string;
let proxy: EngineSocketProxy;
let services: Services;

beforeAll(async () => {
  setArmHandlers({ arm: 'F' });
  directory = mkdtempSync(path.join(os.tmpdir(), 'arm-runner-faults-'));
  proxy = new EngineSocketProxy(path.join(directory, 'engine.sock'));
  await proxy.start();
  services = await createServices({
    bundleDirectory: BUNDLE_DIR,
    sampleArchivePath: path.join(REPOSITORY_ROOT, 'build', 'images', 'sample-armv7.tar'),
    docker: createEngineClient({ socketPath: proxy.socketPath }),
  });
});

afterAll(async () => {
  await proxy.stop();
  rmSync(directory, { recursive: true, force: true });
});

describe('engine down', () => {
  it('status says so and recovers when the engine is back', async () => {
    const api = await startApiServer(services);
    expect((await api.call('GET', '/status')).status).toBe(200);

    await proxy.stop();
    const down = await api.call('GET', '/status');
    expect(down.status).toBe(503);
    expect((down.body as ApiError).code).toBe('ENGINE_UNREACHABLE');
    expect((down.body as ApiError).message).toContain('Start the engine');
    const runs = await api.call('GET', '/runs');
    expect((runs.body as ApiError).code).toBe('ENGINE_UNREACHABLE');

    // The same backend, with no restart, works again once the engine responds.
    await proxy.start();
    const back = await api.call('GET', '/status');
    expect(back.status).toBe(200);
    const run = await services.runs.start({ image: FIXTURES.armv7, publish: [], exposeOnLan: false, waitSeconds: 60 });
    expect(run.emulation.machine).toBe('armv7l');
    await services.runs.remove(run.id);
    await api.close();
  });

  it('the CLI says so with what to do', async () => {
    const result = await execFileAsync(process.execPath, [CLI_PATH, 'status', '--json'], {
      env: { ...process.env, DOCKER_HOST: `unix://${path.join(directory, 'no-engine.sock')}` },
    }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );
    expect(result.code).not.toBe(0);
    expect(JSON.parse(result.stderr)).toMatchObject({ code: 'ENGINE_UNREACHABLE' });
    expect((JSON.parse(result.stderr) as ApiError).message).toContain('DOCKER_HOST');
  });
});
