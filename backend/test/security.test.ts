import http from 'node:http';
import path from 'node:path';
import type { ContainerCreateRequest } from '../src/engine/api-types.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStandaloneServer, type StandaloneServer } from '../src/standalone/standalone-server.ts';
import { setArmHandlers } from './rig/binfmt-rig.ts';
import { setUpEngineTest } from './rig/engine-test-context.ts';
import { FIXTURES, REPOSITORY_ROOT, fetchText } from './rig/engine-rig.ts';

// Each guard of the standalone host and of the containers ARM Runner makes,
// checked against the real engine.

const engine = setUpEngineTest();
let server: StandaloneServer;
let port = 0;

/** Sends a request with full control of the Host and Origin headers, which fetch does not allow. */
function rawRequest(options: { path: string; method?: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, path: options.path, method: options.method ?? 'GET', headers: options.headers ?? {} }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    request.on('error', reject);
    request.end(options.body);
  });
}

beforeAll(async () => {
  setArmHandlers({ arm: 'F' });
  server = await startStandaloneServer(engine.services, { uiDirectory: path.join(REPOSITORY_ROOT, 'ui', 'dist'), port: 0 });
  port = Number(new URL(server.origin).port);
});

afterAll(async () => {
  await server.app.close();
});

describe('standalone host', () => {
  it('listens on loopback only', () => {
    const address = server.app.server.address();
    expect(typeof address).toBe('object');
    expect((address as { address: string }).address).toBe('127.0.0.1');
  });

  it('requires the token on every API call', async () => {
    const host = `127.0.0.1:${port}`;
    expect((await rawRequest({ path: '/api/status', headers: { host } })).status).toBe(401);
    expect((await rawRequest({ path: '/api/runs', headers: { host, 'x-arm-runner-token': 'wrong' } })).status).toBe(401);
    expect((await rawRequest({ path: '/api/runs', headers: { host, 'x-arm-runner-token': server.token } })).status).toBe(200);
  });

  it('rejects another origin, even with the token', async () => {
    const reply = await rawRequest({
      path: '/api/runs',
      method: 'POST',
      headers: { 'host': `127.0.0.1:${port}`, 'origin': 'http://attacker.example', 'x-arm-runner-token': server.token, 'content-type': 'application/json' },
      body: JSON.stringify({ image: FIXTURES.armv7 }),
    });
    expect(reply.status).toBe(403);
    expect((await engine.services.runs.list()).filter((run) => run.image === FIXTURES.armv7)).toEqual([]);
  });

  it('rejects a rebinding Host header', async () => {
    for (const host of [`attacker.example:${port}`, `127.0.0.1.attacker.example:${port}`, 'localhost']) {
      const reply = await rawRequest({ path: '/api/status', headers: { host, 'x-arm-runner-token': server.token } });
      expect(reply.status, host).toBe(403);
    }
    const page = await rawRequest({ path: '/', headers: { host: `attacker.example:${port}` } });
    expect(page.status).toBe(403);
  });

  it('never puts its token in what it serves', async () => {
    const host = `127.0.0.1:${port}`;
    const page = await rawRequest({ path: '/', headers: { host } });
    const shim = await rawRequest({ path: '/standalone/desktop-shim.js', headers: { host } });
    expect(page.status).toBe(200);
    expect(page.body).not.toContain(server.token);
    expect(shim.body).not.toContain(server.token);
    // The page reads the token from the URL fragment and calls only its own origin.
    expect(server.url).toBe(`${server.origin}/#token=${server.token}`);
    expect(shim.body).toContain('window.location.hash');
    expect(shim.body).toContain('./api');
  });

  it('validates request bodies at the edge', async () => {
    const reply = await rawRequest({
      path: '/api/runs',
      method: 'POST',
      headers: { 'host': `127.0.0.1:${port}`, 'x-arm-runner-token': server.token, 'content-type': 'application/json' },
      body: JSON.stringify({ image: FIXTURES.armv7, privileged: true }),
    });
    expect(reply.status).toBe(400);
    expect(reply.body).toContain('privileged');
  });
});

describe('containers ARM Runner makes', () => {
  it('get only the capabilities they need', async () => {
    // Privileged is never sent by ARM Runner, so the request type lacks it, and the check reads it anyway.
    const created: (ContainerCreateRequest & { HostConfig?: { Privileged?: boolean } })[] = [];
    const docker = engine.services.docker;
    const original = docker.createContainer.bind(docker);
    docker.createContainer = (options: ContainerCreateRequest) => {
      created.push(options);
      return original(options);
    };
    try {
      await engine.services.status.status({ refresh: true });
      await engine.services.handlers.install(['arm'], ['F']);
      const run = await engine.services.runs.start({ image: FIXTURES.armv7, publish: [], exposeOnLan: false, waitSeconds: 60 });
      await engine.services.runs.remove(run.id);
    } finally {
      docker.createContainer = original;
    }

    const roles = created.map((options) => options.Labels?.['io.arm-runner.role']);
    expect(roles).toContain('helper');
    expect(roles).toContain('run');
    for (const options of created) {
      const role = options.Labels?.['io.arm-runner.role'];
      expect(options.HostConfig?.Privileged ?? false, role).toBe(false);
      if (role === 'helper') {
        expect(options.HostConfig?.CapAdd, role).toEqual(['SYS_ADMIN']);
        expect(options.HostConfig?.NetworkMode, role).toBe('none');
      } else {
        expect(options.HostConfig?.CapAdd ?? [], role).toEqual([]);
      }
      if (role === 'probe' || role === 'inspect' || role === 'augment-build') {
        expect(options.NetworkDisabled, role).toBe(true);
      }
    }
  });

  it('publish on 127.0.0.1 unless LAN exposure is asked for', async () => {
    const local = await engine.services.runs.start({ image: FIXTURES.armv7, publish: [], exposeOnLan: false, waitSeconds: 60 });
    expect(local.ports.map((entry) => entry.hostIp)).toEqual(['127.0.0.1']);

    const lan = await engine.services.runs.start({ image: FIXTURES.armv7, publish: [], exposeOnLan: true, waitSeconds: 60 });
    expect(lan.exposeOnLan).toBe(true);
    expect(lan.ports.map((entry) => entry.hostIp)).toEqual(['0.0.0.0']);
    // Reached through loopback only, as every test does.
    expect(await fetchText(`http://127.0.0.1:${lan.ports[0]?.hostPort}/`)).toContain('ARM Runner fixture');

    await engine.services.runs.remove(local.id);
    await engine.services.runs.remove(lan.id);
  });
});
