import net from 'node:net';
import type { ParsedRunRequest } from '@arm-runner/contract';
import { beforeAll, describe, expect, it } from 'vitest';
import { ArmRunnerError } from '../src/errors.ts';
import { setArmHandlers } from './rig/binfmt-rig.ts';
import { setUpEngineTest } from './rig/engine-test-context.ts';
import { FIXTURES, allContainerIds, connectToEngine, fetchText, managedImageIds, runPlain } from './rig/engine-rig.ts';

function request(image: string, overrides: Partial<ParsedRunRequest> = {}): ParsedRunRequest {
  return { image, publish: [], exposeOnLan: false, waitSeconds: 60, ...overrides };
}

async function expectRunError(runRequest: ParsedRunRequest, code: string): Promise<ArmRunnerError> {
  const error: unknown = await engine.services.runs.start(runRequest).then(
    () => new Error('the run started, but it should have failed'),
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(ArmRunnerError);
  expect((error as ArmRunnerError).code).toBe(code);
  return error as ArmRunnerError;
}

const engine = setUpEngineTest();

describe('engine with no ARM handler', () => {
  beforeAll(() => setArmHandlers({}));

  it('plain arm/v7 image fails with exec format error', async () => {
    const result = await runPlain(engine.docker, FIXTURES.armv7, ['/bin/uname', '-m']);
    expect(result.exitCode).not.toBe(0);
    expect(result.output).toMatch(/exec format error/);
  });

  it('status says every ARM platform cannot run', async () => {
    const status = await engine.services.status.status();
    expect(status.engine.architecture).toBe('amd64');
    expect(status.platforms.map((verdict) => [verdict.platform, verdict.code])).toEqual([
      ['linux/arm/v6', 'cannot-run'],
      ['linux/arm/v7', 'cannot-run'],
      ['linux/arm64', 'cannot-run'],
    ]);
    expect(status.platforms[1]?.fix).toMatch(/Register a qemu-arm handler/);
  });

  it('run fails before creating any container', async () => {
    const before = await allContainerIds(engine.docker);
    const error = await expectRunError(request(FIXTURES.armv7), 'NO_HANDLER');
    expect(error.message).toMatch(/linux\/arm\/v7 cannot run/);
    expect(await allContainerIds(engine.docker)).toEqual(before);
  });
});

describe('engine with handlers without the F flag', () => {
  beforeAll(() => setArmHandlers({ arm: '', aarch64: '' }));

  it('plain arm/v7 image cannot find its interpreter', async () => {
    const result = await runPlain(engine.docker, FIXTURES.armv7, ['/bin/uname', '-m']);
    expect(result.exitCode).not.toBe(0);
    expect(result.output).toMatch(/no such file or directory/);
  });

  it('status says QEMU is needed inside the image', async () => {
    const status = await engine.services.status.status();
    const byPlatform = new Map(status.platforms.map((verdict) => [verdict.platform, verdict]));
    expect(byPlatform.get('linux/arm/v7')?.code).toBe('needs-qemu-in-image');
    expect(byPlatform.get('linux/arm/v7')?.handler).toBe('qemu-arm');
    expect(byPlatform.get('linux/arm64')?.code).toBe('needs-qemu-in-image');
    expect(byPlatform.get('linux/arm64')?.handler).toBe('qemu-aarch64');
    const qemuArm = status.binfmt.handlers.find((handler) => handler.name === 'qemu-arm');
    expect(qemuArm?.flags).toEqual([]);
    expect(qemuArm?.interpreter).toBe('/usr/bin/qemu-arm-static');
  });

  it('augmented arm/v7 image serves its page under emulation', async () => {
    const userTagBefore = (await engine.docker.getImage(FIXTURES.armv7).inspect()).Id;

    const run = await engine.services.runs.start(request(FIXTURES.armv7));

    expect(run.platform).toBe('linux/arm/v7');
    expect(run.augmentedImage).toBe('arm-runner/arm-runner-fixture/httpd:armv7-linux-arm-v7');
    expect(run.ports).toHaveLength(1);
    expect(run.ports[0]?.hostIp).toBe('127.0.0.1');
    expect(run.ports[0]?.hostPort).toBeGreaterThanOrEqual(1024);
    expect(run.endpoints).toEqual([`http://127.0.0.1:${run.ports[0]?.hostPort}/`]);
    expect(await fetchText(run.endpoints[0] ?? '')).toContain('ARM Runner fixture (linux/arm/v7)');
    expect((await fetchText(`${run.endpoints[0]}cgi-bin/machine`)).trim()).toBe('armv7l');

    expect(run.emulation.machine).toBe('armv7l');
    expect(run.emulation.interpreter).toBe('/usr/bin/qemu-arm-static');
    expect(run.emulation.handler).toBe('qemu-arm');
    expect(run.emulation.mode).toBe('in-image');
    expect(run.emulation.inImageQemuUsed).toBe(true);
    expect(run.emulation.qemuVersion).toMatch(/^\d+\.\d+/);

    expect((await engine.docker.getImage(FIXTURES.armv7).inspect()).Id).toBe(userTagBefore);
    await engine.services.runs.remove(run.id);
  });

  it('reports the endpoint as soon as it answers', async () => {
    let reported: string | undefined;
    let pageWhenReported: Promise<string> | undefined;
    const run = await engine.services.runs.start(request(FIXTURES.armv7), undefined, (url) => {
      reported = url;
      pageWhenReported = fetchText(url);
    });

    expect(reported).toBe(run.endpoints[0]);
    expect(await pageWhenReported).toContain('ARM Runner fixture (linux/arm/v7)');
    expect(run.emulation.machine).toBe('armv7l');
    await engine.services.runs.remove(run.id);
  });

  it('augmented image adds one layer and keeps the config', async () => {
    const source = await engine.docker.getImage(FIXTURES.armv7).inspect();
    const augmented = await engine.docker.getImage('arm-runner/arm-runner-fixture/httpd:armv7-linux-arm-v7').inspect();
    expect(augmented.RootFS.Layers).toHaveLength((source.RootFS.Layers ?? []).length + 1);
    expect(augmented.RootFS.Layers?.slice(0, -1)).toEqual(source.RootFS.Layers);
    expect(augmented.Architecture).toBe('arm');
    expect((augmented as { Variant?: string }).Variant).toBe('v7');
    expect(augmented.Config.Cmd).toEqual(source.Config.Cmd);
    expect(augmented.Config.Entrypoint).toEqual(source.Config.Entrypoint);
    expect(augmented.Config.ExposedPorts).toEqual(source.Config.ExposedPorts);
    expect(augmented.Config.Env).toEqual(source.Config.Env);
    expect(augmented.Config.WorkingDir).toEqual(source.Config.WorkingDir);
    expect(augmented.Config.User).toEqual(source.Config.User);
    expect(augmented.Config.Labels?.['io.arm-runner.source-image-id']).toBe(source.Id);
    expect(augmented.Config.Labels?.['io.arm-runner.qemu-version']).toMatch(/^\d+\.\d+/);
  });

  it('second run reuses the augmented image', async () => {
    const first = await engine.services.runs.start(request(FIXTURES.armv7));
    const imagesAfterFirst = await managedImageIds(engine.docker, 'augmented-image');
    const firstImageId = (await engine.docker.getImage(first.augmentedImage).inspect()).Id;

    const second = await engine.services.runs.start(request(FIXTURES.armv7));

    expect(second.reusedAugmentedImage).toBe(true);
    expect((await engine.docker.getImage(second.augmentedImage).inspect()).Id).toBe(firstImageId);
    expect(await managedImageIds(engine.docker, 'augmented-image')).toEqual(imagesAfterFirst);
    expect(second.ports[0]?.hostPort).not.toBe(first.ports[0]?.hostPort);
    await engine.services.runs.remove(first.id);
    await engine.services.runs.remove(second.id);
  });

  it('augmented arm64 image serves its page under emulation', async () => {
    const userTagBefore = (await engine.docker.getImage(FIXTURES.arm64).inspect()).Id;

    const run = await engine.services.runs.start(request(FIXTURES.arm64, { platform: 'linux/arm64' }));

    expect(run.platform).toBe('linux/arm64');
    expect(await fetchText(run.endpoints[0] ?? '')).toContain('ARM Runner fixture (linux/arm64)');
    expect(run.emulation.machine).toBe('aarch64');
    expect(run.emulation.interpreter).toBe('/usr/bin/qemu-aarch64-static');
    expect(run.emulation.handler).toBe('qemu-aarch64');
    expect(run.emulation.mode).toBe('in-image');
    expect((await engine.docker.getImage(FIXTURES.arm64).inspect()).Id).toBe(userTagBefore);
    await engine.services.runs.remove(run.id);
  });

  it('arm/v6 runs on an ARMv6 CPU model', async () => {
    const run = await engine.services.runs.start(request(FIXTURES.armv6));
    expect(run.platform).toBe('linux/arm/v6');
    expect(run.emulation.machine).toBe('armv6l');
    expect((await fetchText(`${run.endpoints[0]}cgi-bin/machine`)).trim()).toBe('armv6l');
    await engine.services.runs.remove(run.id);
  });

  it('rm removes the container', async () => {
    const run = await engine.services.runs.start(request(FIXTURES.armv7));
    const containerId = (await engine.services.runs.list()).find((listed) => listed.id === run.id)?.id;
    expect(containerId).toBe(run.id);

    await engine.services.runs.remove(run.id);

    const inspectError: unknown = await engine.docker.getContainer(run.id).inspect().catch((error: unknown) => error);
    expect((inspectError as { statusCode?: number }).statusCode).toBe(404);
    await expect(engine.services.runs.remove(run.id)).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
  });

  it('logs and stop work on a run', async () => {
    const run = await engine.services.runs.start(request(FIXTURES.armv7));
    await fetchText(run.endpoints[0] ?? '');
    expect((await engine.services.runs.logs(run.id, 50)).text).toMatch(/response:200/);
    const stopped = await engine.services.runs.stop(run.id);
    expect(stopped.state).toBe('exited');
    await engine.services.runs.remove(run.id);
  });

  it('wrong platform is rejected, not substituted', async () => {
    const before = await allContainerIds(engine.docker);
    const error = await expectRunError(request(FIXTURES.arm64, { platform: 'linux/arm/v7' }), 'PLATFORM_MISMATCH');
    expect(error.message).toContain('linux/arm64, not linux/arm/v7');
    expect(await allContainerIds(engine.docker)).toEqual(before);
  });

  it('native image needs no emulation', async () => {
    const before = await allContainerIds(engine.docker);
    const error = await expectRunError(request(FIXTURES.native), 'RUNS_NATIVELY');
    expect(error.message).toContain('nothing to emulate');
    expect(await allContainerIds(engine.docker)).toEqual(before);
  });

  it('riscv64 image is unsupported', async () => {
    const error = await expectRunError(request(FIXTURES.riscv64), 'UNSUPPORTED_PLATFORM');
    expect(error.message).toContain('linux/riscv64');
  });

  it('restarted backend finds its runs', async () => {
    const run = await engine.services.runs.start(request(FIXTURES.armv7));

    const restarted = await connectToEngine();
    const listed = (await restarted.runs.list()).find((candidate) => candidate.id === run.id);
    expect(listed?.image).toBe(FIXTURES.armv7);
    expect(listed?.platform).toBe('linux/arm/v7');
    expect(listed?.endpoints).toEqual(run.endpoints);
    const inspected = await restarted.runs.get(run.id);
    expect(inspected.emulation?.machine).toBe('armv7l');
    expect(inspected.emulation?.interpreter).toBe('/usr/bin/qemu-arm-static');

    await restarted.runs.remove(run.id);
  });

  it('unknown image gets a clear error', async () => {
    const error = await expectRunError(request('arm-runner-fixture/does-not-exist:1'), 'IMAGE_NOT_FOUND');
    expect(error.message).toContain('npx arm-runner pull arm-runner-fixture/does-not-exist:1 --platform linux/arm/v7');
  });

  it('image without EXPOSE needs a port', async () => {
    const before = await allContainerIds(engine.docker);
    await expectRunError(request(FIXTURES.noExpose), 'NO_EXPOSED_PORTS');
    expect(await allContainerIds(engine.docker)).toEqual(before);

    const run = await engine.services.runs.start(request(FIXTURES.noExpose, { publish: [{ containerPort: 80, hostPort: 0, protocol: 'tcp' }] }));
    expect(await fetchText(run.endpoints[0] ?? '')).toContain('without EXPOSE');
    await engine.services.runs.remove(run.id);
  });

  it('busy host port fails and leaves no container', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const busyPort = (blocker.address() as net.AddressInfo).port;
    const before = await allContainerIds(engine.docker);
    try {
      await expectRunError(
        request(FIXTURES.armv7, { publish: [{ containerPort: 80, hostPort: busyPort, protocol: 'tcp' }] }),
        'PORT_BUSY',
      );
      expect(await allContainerIds(engine.docker)).toEqual(before);
    } finally {
      blocker.close();
    }
  });

  it('requested host port is used', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const freePort = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));

    const run = await engine.services.runs.start(request(FIXTURES.armv7, { publish: [{ containerPort: 80, hostPort: freePort, protocol: 'tcp' }] }));
    expect(run.endpoints).toEqual([`http://127.0.0.1:${freePort}/`]);
    await engine.services.runs.remove(run.id);
  });
});

describe('engine with handlers with the F flag', () => {
  beforeAll(() => setArmHandlers({ arm: 'F', aarch64: 'F' }));

  it('plain arm/v7 image runs without QEMU inside', async () => {
    const result = await runPlain(engine.docker, FIXTURES.armv7, ['/bin/uname', '-m']);
    expect(result.exitCode).toBe(0);
    expect(result.output.trim()).toBe('armv7l');
  });

  it('run reports the host handler as the emulator', async () => {
    const status = await engine.services.status.status();
    expect(status.platforms.find((verdict) => verdict.platform === 'linux/arm/v7')?.code).toBe('host-handler');

    const run = await engine.services.runs.start(request(FIXTURES.armv7));
    expect(run.emulation.machine).toBe('armv7l');
    expect(run.emulation.mode).toBe('host-handler');
    expect(run.emulation.inImageQemuUsed).toBe(false);
    expect(run.emulation.handlerFlags).toEqual(['F']);
    expect(run.emulation.interpreter).toBe('/usr/bin/qemu-arm-static');
    await engine.services.runs.remove(run.id);
  });
});
