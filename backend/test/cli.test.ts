import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { readArmEntries, restoreArmEntries, setArmHandlers } from './rig/binfmt-rig.ts';
import { setUpEngineTest } from './rig/engine-test-context.ts';
import { CLI_PATH, FIXTURES, allContainerIds, fetchText } from './rig/engine-rig.ts';

const execFileAsync = promisify(execFile);

interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as a user would, with arguments as an array and no shell. */
async function cli(...args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [CLI_PATH, ...args], { timeout: 120_000 });
    return { exitCode: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { exitCode: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

const engine = setUpEngineTest({ arm: '', aarch64: '' });


describe('arm-runner CLI', () => {
  it('status --json lists handlers and verdicts', async () => {
    const result = await cli('status', '--json');
    expect(result.exitCode).toBe(0);
    const status = JSON.parse(result.stdout) as { engine: { architecture: string }; platforms: { platform: string; code: string }[] };
    expect(status.engine.architecture).toBe('amd64');
    expect(status.platforms.find((verdict) => verdict.platform === 'linux/arm/v7')?.code).toBe('needs-qemu-in-image');
  });

  it('run --json, ls, logs and rm work end to end', async () => {
    const run = await cli('run', FIXTURES.armv7, '--platform', 'linux/arm/v7', '--json');
    expect(run.exitCode).toBe(0);
    const result = JSON.parse(run.stdout) as {
      id: string;
      image: string;
      platform: string;
      augmentedImage: string;
      endpoints: string[];
      emulation: { machine: string; interpreter: string; handler: string; mode: string };
    };
    expect(result.image).toBe(FIXTURES.armv7);
    expect(result.platform).toBe('linux/arm/v7');
    expect(result.augmentedImage).toBe('arm-runner/arm-runner-fixture/httpd:armv7-linux-arm-v7');
    expect(result.emulation).toMatchObject({ machine: 'armv7l', interpreter: '/usr/bin/qemu-arm-static', handler: 'qemu-arm', mode: 'in-image' });
    expect(await fetchText(result.endpoints[0] ?? '')).toContain('ARM Runner fixture (linux/arm/v7)');

    const list = await cli('ls', '--json');
    expect((JSON.parse(list.stdout) as { id: string }[]).map((listed) => listed.id)).toContain(result.id);

    const logs = await cli('logs', result.id);
    expect(logs.exitCode).toBe(0);
    expect(logs.stdout).toMatch(/response:200/);

    const removed = await cli('rm', result.id, '--json');
    expect(removed.exitCode).toBe(0);
    expect(JSON.parse(removed.stdout)).toEqual({ id: result.id });

    const again = await cli('rm', result.id, '--json');
    expect(again.exitCode).not.toBe(0);
    expect(JSON.parse(again.stderr)).toMatchObject({ code: 'RUN_NOT_FOUND' });
  });

  it('run --publish sets the host port', async () => {
    const run = await cli('run', FIXTURES.arm64, '--publish', '0:80', '--json');
    expect(run.exitCode).toBe(0);
    const result = JSON.parse(run.stdout) as { id: string; endpoints: string[]; emulation: { machine: string } };
    expect(result.emulation.machine).toBe('aarch64');
    expect(await fetchText(result.endpoints[0] ?? '')).toContain('linux/arm64');
    expect((await cli('rm', result.id)).exitCode).toBe(0);
  });

  it('sample prints its endpoint and evidence', async () => {
    const run = await cli('sample');
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/endpoint: +http:\/\/127\.0\.0\.1:\d+\//);
    expect(run.stdout).toContain('uname -m = armv7l');
    expect(run.stdout).toContain('interpreter /usr/bin/qemu-arm-static');
    const endpoint = /endpoint: +(\S+)/.exec(run.stdout)?.[1] ?? '';
    expect(await fetchText(endpoint)).toContain('ARM Runner sample');
    const id = /^Run (\w+)/.exec(run.stdout)?.[1] ?? '';
    expect((await cli('rm', id)).exitCode).toBe(0);
  });

  it('errors are JSON on stderr with a non-zero exit', async () => {
    const before = await allContainerIds(engine.docker);
    const result = await cli('run', 'Not A Valid;Ref', '--json');
    expect(result.exitCode).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(JSON.parse(result.stderr)).toMatchObject({ code: 'INVALID_IMAGE_REFERENCE' });
    expect(await allContainerIds(engine.docker)).toEqual(before);
  });

  it('cleanup lists first and needs a kind', async () => {
    const none = await cli('cleanup', '--json');
    expect(none.exitCode).not.toBe(0);
    expect(JSON.parse(none.stderr)).toMatchObject({ code: 'INVALID_REQUEST' });

    const before = await allContainerIds(engine.docker);
    const listed = await cli('cleanup', '--runs', '--images');
    expect(listed.exitCode).toBe(0);
    expect(listed.stdout).toMatch(/Nothing was removed|Nothing to remove/);
    expect(await allContainerIds(engine.docker)).toEqual(before);
  });

  it('serve has no TCP listener without a token', async () => {
    const serve = await cli('serve', '--port', '8787');
    expect(serve.exitCode).not.toBe(0);
    expect(serve.stderr).toContain("unknown option '--port'");
  });

  it('check exits with 1 when a run would be refused', async () => {
    const refused = await cli('check', FIXTURES.armhfBinaryInArm64, '--json');
    expect(refused.exitCode).toBe(1);
    expect((JSON.parse(refused.stdout) as { blocking?: { code: string } }).blocking?.code).toBe('WRONG_EMULATOR');

    const fine = await cli('check', FIXTURES.armv7, '--json');
    expect(fine.exitCode).toBe(0);
  });

  it('check exits with 1 without a handler', async () => {
    const saved = readArmEntries();
    setArmHandlers({});
    try {
      const refused = await cli('check', FIXTURES.armv7, '--json');
      expect(refused.exitCode).toBe(1);
      expect((JSON.parse(refused.stdout) as { blocking?: { code: string } }).blocking?.code).toBe('NO_HANDLER');

      const text = await cli('check', FIXTURES.armv7);
      expect(text.exitCode).toBe(1);
      expect(text.stdout).toContain('handlers install');
    } finally {
      restoreArmEntries(saved);
    }
  });

  it('invalid option values name the option', async () => {
    const wait = await cli('run', FIXTURES.armv7, '--wait', '0', '--json');
    expect(wait.exitCode).not.toBe(0);
    expect(JSON.parse(wait.stderr)).toMatchObject({ code: 'INVALID_REQUEST', message: '--wait must be a whole number from 1 to 600, not "0".' });

    const tail = await cli('logs', 'anything', '--tail', 'abc', '--json');
    expect(tail.exitCode).not.toBe(0);
    expect(JSON.parse(tail.stderr)).toMatchObject({ code: 'INVALID_REQUEST' });

    const empty = await cli('run', '', '--json');
    expect(JSON.parse(empty.stderr)).toMatchObject({ code: 'INVALID_REQUEST', message: 'Invalid run request: image: Image reference is empty. Correct these fields and send it again; docs/api.md lists every field.' });

    const address = await cli('run', FIXTURES.armv7, '--publish', '127.0.0.1:8080:80', '--json');
    expect(JSON.parse(address.stderr)).toMatchObject({ code: 'INVALID_PORT' });
  });

  it('errors are plain text without --json', async () => {
    const result = await cli('run', FIXTURES.armv7, '--platform', 'linux/s390x');
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(/^Error \(INVALID_PLATFORM\): /m);
  });

  it('bounded wait runs out with a clear error and no container', async () => {
    const before = await allContainerIds(engine.docker);
    // The fixture does not listen on port 81, so the endpoint never responds.
    const result = await cli('run', FIXTURES.noExpose, '--publish', '0:81', '--wait', '3', '--json');
    expect(result.exitCode).not.toBe(0);
    const error = JSON.parse(result.stderr) as { code: string; message: string };
    expect(error.code).toBe('ENDPOINT_TIMEOUT');
    expect(error.message).toContain('within 3 s');
    expect(await allContainerIds(engine.docker)).toEqual(before);
  });
});
