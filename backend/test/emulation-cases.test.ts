import net from 'node:net';
import type { ParsedRunRequest } from '@arm-runner/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArmRunnerError } from '../src/errors.ts';
import { augmentedImageTag, parseImageReference } from '../src/augment/reference.ts';
import { followProgress } from '../src/engine/streams.ts';
import { buildProgramArchive } from '../src/emulation/probe-image.ts';
import { staticProgram } from '../src/emulation/probe-program.ts';
import { execInContainer } from '../src/runs/evidence.ts';
import { registerNativeFormatHandler, setArmHandlerWithInterpreter, setArmHandlers } from './rig/binfmt-rig.ts';
import { setUpEngineTest } from './rig/engine-test-context.ts';
import { FIXTURES, allContainerIds, fetchText } from './rig/engine-rig.ts';

// Real-engine tests of the emulation failures users report, each in the
// binfmt_misc state that produces it.

function request(image: string, overrides: Partial<ParsedRunRequest> = {}): ParsedRunRequest {
  return { image, publish: [], exposeOnLan: false, waitSeconds: 60, ...overrides };
}

async function runError(runRequest: ParsedRunRequest): Promise<ArmRunnerError> {
  const error: unknown = await engine.services.runs.start(runRequest).then(
    () => new Error('the run started, but it should have failed'),
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(ArmRunnerError);
  return error as ArmRunnerError;
}

const engine = setUpEngineTest();

describe('no handler for the architecture', () => {
  beforeAll(() => setArmHandlers({}));

  it('test program shows exec format error both ways', async () => {
    const status = await engine.services.status.status({ refresh: true });
    const armv7 = status.platforms.find((verdict) => verdict.platform === 'linux/arm/v7');
    expect(armv7?.code).toBe('cannot-run');
    expect(armv7?.test?.plain.outcome).toBe('exec-format-error');
    expect(armv7?.test?.augmented.outcome).toBe('exec-format-error');
    expect(armv7?.message).toContain('Adding QEMU to the image does not help');
    expect(armv7?.fix).toContain('handlers install arm');
  });

  it('run is refused before any container starts', async () => {
    const before = await allContainerIds(engine.docker);
    const error = await runError(request(FIXTURES.armv7));
    expect(error.code).toBe('NO_HANDLER');
    expect(await allContainerIds(engine.docker)).toEqual(before);
  });
});

describe('handler without F', () => {
  beforeAll(() => setArmHandlers({ arm: '', aarch64: '' }));

  it('test program needs QEMU in the image', async () => {
    const status = await engine.services.status.status();
    for (const verdict of status.platforms) {
      expect(verdict.code, verdict.platform).toBe('needs-qemu-in-image');
      expect(verdict.test?.plain.outcome, verdict.platform).toBe('interpreter-missing');
      expect(verdict.test?.augmented.outcome, verdict.platform).toBe('ran');
    }
    expect(status.platforms.map((verdict) => verdict.test?.augmented.machine)).toEqual(['armv6l', 'armv7l', 'aarch64']);
  });
});

describe('handler without F at another interpreter path', () => {
  beforeAll(() => setArmHandlerWithInterpreter('/usr/bin/qemu-arm', ''));

  it('status warns before running', async () => {
    const status = await engine.services.status.status();
    const armv7 = status.platforms.find((verdict) => verdict.platform === 'linux/arm/v7');
    expect(armv7?.code).toBe('needs-qemu-in-image');
    expect(armv7?.warnings.map((finding) => finding.code)).toEqual(['INTERPRETER_PATH_MISMATCH']);
    expect(armv7?.warnings[0]?.message).toContain('/usr/bin/qemu-arm ');
    expect(armv7?.test?.augmented.outcome).toBe('ran');
  });

  it('run places QEMU at the registered path too', async () => {
    const run = await engine.services.runs.start(request(FIXTURES.armv7));
    expect(await fetchText(run.endpoints[0] ?? '')).toContain('ARM Runner fixture');
    expect(run.emulation.machine).toBe('armv7l');
    expect(run.emulation.interpreter).toBe('/usr/bin/qemu-arm');
    expect(run.warnings.map((finding) => finding.code)).toContain('INTERPRETER_PATH_MISMATCH');

    // Both paths are one file: a hard link adds no second copy to the layer.
    const container = engine.services.docker.getContainer(run.containerId);
    const listing = await execInContainer(container, ['/bin/busybox', 'ls', '-i', '/usr/bin/qemu-arm', '/usr/bin/qemu-arm-static']);
    const inodes = listing.stdout.trim().split('\n').map((line) => line.trim().split(/\s+/)[0]);
    expect(inodes).toHaveLength(2);
    expect(inodes[0]).toBe(inodes[1]);
  });
});

describe('handler for a native format', () => {
  let nativeHandler: { name: string; remove: () => void } | undefined;

  beforeAll(() => {
    setArmHandlers({ arm: 'F' });
    nativeHandler = registerNativeFormatHandler();
  });

  afterAll(() => nativeHandler?.remove());

  it('status flags it and keeps ARM verdicts', async () => {
    const status = await engine.services.status.status();
    const entry = status.binfmt.handlers.find((handler) => handler.name === nativeHandler?.name);
    expect(entry?.nativeFormats).toEqual(['i386 ELF']);
    expect(entry?.matches).toEqual([]);

    const finding = status.warnings.find((warning) => warning.code === 'NATIVE_FORMAT_HANDLER');
    expect(finding?.message).toContain(nativeHandler?.name);
    expect(finding?.fix).toContain(`/proc/sys/fs/binfmt_misc/${nativeHandler?.name}`);
    expect(status.platforms.find((verdict) => verdict.platform === 'linux/arm/v7')?.code).toBe('host-handler');
  });
});

describe('program that never answers', () => {
  const image = 'arm-runner-test/silent-unsupported-syscall:armv7';

  beforeAll(async () => {
    setArmHandlers({ arm: 'F' });
    // Calls system call 1024, which 32-bit ARM Linux does not have, then
    // waits forever in pause() without opening its exposed port.
    const program = staticProgram('arm', [
      0xe3a07b01, // mov r7, #1024
      0xef000000, // svc #0
      0xe3a0701d, // mov r7, #29   pause()
      0xef000000, // svc #0
      0xeafffffc, // b   back to "mov r7, #29"
    ]);
    const archive = buildProgramArchive({ platform: 'linux/arm/v7', tag: image, program, labels: {}, exposedPorts: ['8080/tcp'] });
    await followProgress(await engine.services.docker.loadImage(archive));
  });

  afterAll(async () => {
    await engine.docker.getImage(image).remove({ force: true });
    await engine.docker.getImage(augmentedImageTag(parseImageReference(image), 'linux/arm/v7')).remove({ force: true });
  });

  it('times out with the reason and QEMU reports', async () => {
    const before = await allContainerIds(engine.docker);
    const error = await runError(request(image, { waitSeconds: 3 }));
    expect(error.code).toBe('ENDPOINT_TIMEOUT');
    expect(error.message).toContain('started but did not answer HTTP');
    expect(error.message).toContain('within 3 s');
    expect(error.message).toContain('Under emulation');
    expect(error.message).toContain('system call number 1024');
    expect(await allContainerIds(engine.docker)).toEqual(before);
  });
});

describe('program built for another CPU than the config says', () => {
  beforeAll(() => setArmHandlers({ arm: 'F', aarch64: 'F' }));

  it('check reports it without running anything', async () => {
    const before = await allContainerIds(engine.docker);
    const check = await engine.services.runs.check(FIXTURES.armhfBinaryInArm64, undefined);
    expect(check.platform).toBe('linux/arm64');
    expect(check.inspection.program.elf?.elfClass).toBe(32);
    expect(check.blocking?.code).toBe('WRONG_EMULATOR');
    expect(await allContainerIds(engine.docker)).toEqual(before);
  });

  it('is reported before a missing handler', async () => {
    // With no qemu-aarch64 handler, registering one would still not make this image run.
    setArmHandlers({ arm: 'F' });
    const error = await runError(request(FIXTURES.armhfBinaryInArm64));
    expect(error.code).toBe('WRONG_EMULATOR');
    setArmHandlers({ arm: 'F', aarch64: 'F' });
  });

  it('is refused before any container starts, naming both', async () => {
    const before = await allContainerIds(engine.docker);
    const error = await runError(request(FIXTURES.armhfBinaryInArm64));
    expect(error.code).toBe('WRONG_EMULATOR');
    expect(error.message).toContain('linux/arm64');
    expect(error.message).toContain('qemu-aarch64');
    expect(error.message).toMatch(/32-bit ARM|ARM \(40\)|EM_ARM/);
    expect(await allContainerIds(engine.docker)).toEqual(before);
  });
});

describe('setuid programs', () => {
  it('warn when the handler has no C flag, and su fails', async () => {
    setArmHandlers({ arm: 'F' });
    const run = await engine.services.runs.start(request(FIXTURES.setuid));
    const finding = run.warnings.find((warning) => warning.code === 'SETUID_WITHOUT_C_FLAG');
    expect(finding?.message).toContain('/bin/su');
    expect(finding?.fix).toContain('--flags CF');

    const su = await execInContainer(engine.services.docker.getContainer(run.containerId), ['/bin/su', '-c', 'id']);
    expect(`${su.stdout}${su.stderr}`).toContain('must be suid');
  });

  it('do not warn when the handler has C', async () => {
    setArmHandlers({ arm: 'CF' });
    const run = await engine.services.runs.start(request(FIXTURES.setuid));
    expect(run.verdict.flags).toContain('C');
    expect(run.warnings.map((warning) => warning.code)).not.toContain('SETUID_WITHOUT_C_FLAG');
  });
});

describe('shell-script entrypoint', () => {
  it('check follows the script and the symlink to the ELF', async () => {
    const check = await engine.services.runs.check(FIXTURES.entrypointScript, 'linux/arm/v7');
    expect(check.inspection.program.steps.map((step) => [step.kind, step.path])).toEqual([
      ['script', '/entrypoint.sh'],
      ['symlink', '/bin/sh'],
      ['elf', '/bin/busybox'],
    ]);
    expect(check.findings).toEqual([]);
  });

  it.each([
    ['with F', 'F'],
    ['without F', ''],
  ])('runs end to end %s', async (_label, flags) => {
    setArmHandlers({ arm: flags });
    const run = await engine.services.runs.start(request(FIXTURES.entrypointScript));
    expect(await fetchText(run.endpoints[0] ?? '')).toContain('ARM Runner fixture');
    expect(run.emulation.machine).toBe('armv7l');

    // The entrypoint stays the image's own script: QEMU comes in through binfmt_misc only.
    const inspect = await engine.docker.getContainer(run.containerId).inspect();
    expect(inspect.Config.Entrypoint).toEqual(['/entrypoint.sh']);
    expect(inspect.Path).toBe('/entrypoint.sh');
  });
});

describe('ARMv7 program in an arm/v6 image', () => {
  beforeAll(() => setArmHandlers({ arm: 'F' }));

  it('is an emulator crash with the cause named', async () => {
    const error = await runError(request(FIXTURES.v7BinaryInArmv6));
    expect(error.code).toBe('EMULATOR_CRASH');
    expect(error.message).toContain('signal 4 (Illegal instruction)');
    expect(error.message).toMatch(/QEMU \d+\.\d+\.\d+/);
    expect(error.message).toContain('The image check found the cause before the run');
    expect(error.detail).toContain('qemu: uncaught target signal 4');
  });

  it('runs the armel program of the real arm/v6 image as armv6l', async () => {
    const run = await engine.services.runs.start(request(FIXTURES.armv6));
    expect(run.platform).toBe('linux/arm/v6');
    expect(run.emulation.machine).toBe('armv6l');
    expect(run.warnings.map((warning) => warning.code)).not.toContain('CPU_NEWER_THAN_PLATFORM');
  });
});

describe('ports', () => {
  beforeAll(() => setArmHandlers({ arm: 'F' }));

  it('busy host port is a clear error and leaves no container', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const busyPort = (server.address() as net.AddressInfo).port;
    try {
      const before = await allContainerIds(engine.docker);
      const error = await runError(request(FIXTURES.armv7, { publish: [{ containerPort: 80, hostPort: busyPort, protocol: 'tcp' }] }));
      expect(error.code).toBe('PORT_BUSY');
      expect(error.message).toContain(String(busyPort));
      expect(await allContainerIds(engine.docker)).toEqual(before);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('host port below 1024 is published where the engine allows it', async () => {
    // This engine runs as root, so it binds ports below 1024. A rootless engine
    // refuses them, and that refusal maps to INVALID_PORT (engine-errors.test.ts).
    const run = await engine.services.runs.start(request(FIXTURES.armv7, { publish: [{ containerPort: 80, hostPort: 1023, protocol: 'tcp' }] }));
    expect(run.ports.map((entry) => entry.hostPort)).toEqual([1023]);
    expect(await fetchText('http://127.0.0.1:1023/')).toContain('ARM Runner fixture');
    await engine.services.runs.remove(run.id);
  });

  it('exposed port gets a free loopback port of 1024 or more', async () => {
    const run = await engine.services.runs.start(request(FIXTURES.armv7));
    expect(run.ports).toHaveLength(1);
    expect(run.ports[0]?.hostIp).toBe('127.0.0.1');
    expect(run.ports[0]?.hostPort).toBeGreaterThanOrEqual(1024);
    expect(run.endpoints).toEqual([`http://127.0.0.1:${run.ports[0]?.hostPort}/`]);
    // busybox's start-up probe of rseq, which QEMU 7.2 lacks, is no warning.
    expect(run.warnings).toEqual([]);
  });
});
