import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ParsedRunRequest, RunResult, TaskInfo } from '@arm-runner/contract';
import { beforeAll, describe, expect, it } from 'vitest';
import { augmentedImageTag, parseImageReference } from '../src/augment/reference.ts';
import { applyCleanup, planCleanup } from '../src/cleanup/cleanup.ts';
import { LABELS, managedLabels } from '../src/engine/labels.ts';
import { removeLeftoverContainers } from '../src/engine/leftovers.ts';
import { startApiServer } from './rig/api-server.ts';
import { setArmHandlers } from './rig/binfmt-rig.ts';
import { setUpEngineTest } from './rig/engine-test-context.ts';
import { CLI_PATH, FIXTURES, connectToEngine, fetchText } from './rig/engine-rig.ts';
import { requestOverSocket } from './rig/socket-client.ts';

function request(image: string): ParsedRunRequest {
  return { image, publish: [], exposeOnLan: false, waitSeconds: 60 };
}

const engine = setUpEngineTest();

beforeAll(() => setArmHandlers({ arm: 'F' }));

describe('double requests', () => {
  it('two identical runs at once share one build', async () => {
    const tag = augmentedImageTag(parseImageReference(FIXTURES.armv6), 'linux/arm/v6');
    const existing = await engine.docker
      .getImage(tag)
      .inspect()
      .catch(() => undefined);
    if (existing?.Config.Labels?.[LABELS.managed] === 'true') {
      await engine.docker.getImage(tag).remove({ force: true });
    }

    const [first, second] = await Promise.all([engine.services.runs.start(request(FIXTURES.armv6)), engine.services.runs.start(request(FIXTURES.armv6))]);
    expect(first.id).not.toBe(second.id);
    expect(first.augmentedImage).toBe(tag);
    expect(second.augmentedImage).toBe(tag);
    expect(await fetchText(first.endpoints[0] ?? '')).toContain('ARM Runner fixture');
    expect(await fetchText(second.endpoints[0] ?? '')).toContain('ARM Runner fixture');

    // One build: both runs use the same image, and only one augmented image exists for the source.
    const [firstInspect, secondInspect] = await Promise.all([
      engine.docker.getContainer(first.containerId).inspect(),
      engine.docker.getContainer(second.containerId).inspect(),
    ]);
    expect(firstInspect.Image).toBe(secondInspect.Image);
    const augmented = await engine.docker.listImages({
      filters: { label: [`${LABELS.role}=augmented-image`, `${LABELS.sourceImageId}=${first.sourceImageId}`] },
    });
    expect(augmented).toHaveLength(1);
  });
});

describe('a source tag that moves', () => {
  it('rebuilds and keeps the old source image', async () => {
    const reference = 'arm-runner-test/moving-tag:v1';
    const makeSource = async (revision: string): Promise<string> => {
      const container = await engine.docker.createContainer({ Image: FIXTURES.armv7, Labels: { 'io.example.revision': revision } });
      const [repo, tag] = reference.split(':') as [string, string];
      const committed = (await container.commit({ repo, tag, changes: [`LABEL io.example.revision=${revision}`] })) as { Id: string };
      await container.remove({ force: true });
      return committed.Id;
    };

    const first = await makeSource('one');
    const firstRun = await engine.services.runs.start(request(reference));
    await engine.services.runs.remove(firstRun.id);

    // The user points the tag at a new image, so the first one has no tag left.
    const second = await makeSource('two');
    const secondRun = await engine.services.runs.start(request(reference));
    await engine.services.runs.remove(secondRun.id);
    try {
      expect(secondRun.reusedAugmentedImage).toBe(false);
      expect(secondRun.sourceImageId).toBe(second);
      expect((await engine.docker.getImage(first).inspect()).Id).toBe(first);
      expect(await engine.docker.getImage(firstRun.augmentedImage).inspect().then((image) => image.Config.Labels?.[LABELS.sourceImageId])).toBe(second);
    } finally {
      await engine.docker.getImage(secondRun.augmentedImage).remove({ force: true }).catch(() => undefined);
      await engine.docker.getImage(reference).remove({ force: true }).catch(() => undefined);
      await engine.docker.getImage(first).remove({ force: true }).catch(() => undefined);
    }
  });
});

describe('backend restart', () => {
  it('removes containers an interrupted process left, and nothing else', async () => {
    const docker = engine.docker;
    const leftover = await docker.createContainer({ Image: FIXTURES.armv7, Labels: { ...managedLabels('augment-build') } });
    const foreign = await docker.createContainer({ Image: FIXTURES.armv7, Labels: { 'io.example.owner': 'someone else' } });
    const run = await engine.services.runs.start(request(FIXTURES.armv7));
    try {
      expect(await removeLeftoverContainers(engine.services.docker, 0)).toBeGreaterThanOrEqual(1);

      await expect(docker.getContainer(leftover.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
      expect((await docker.getContainer(foreign.id).inspect()).Id).toBe(foreign.id);
      expect((await docker.getContainer(run.containerId).inspect()).State.Running).toBe(true);
    } finally {
      await engine.services.runs.remove(run.id);
      await docker.getContainer(foreign.id).remove({ force: true });
      await docker.getContainer(leftover.id).remove({ force: true }).catch(() => undefined);
    }
  });

  it('a task from before the restart is reported, not left pending', async () => {
    const before = await startApiServer(engine.services);
    const accepted = await before.call('POST', '/runs', { image: FIXTURES.armv7 });
    expect(accepted.status).toBe(202);
    const { taskId } = accepted.body as { taskId: string };
    let task = (await before.call('GET', `/tasks/${taskId}`)).body as TaskInfo<RunResult>;
    for (let attempt = 0; attempt < 300 && task.state === 'running'; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      task = (await before.call('GET', `/tasks/${taskId}`)).body as TaskInfo<RunResult>;
    }
    expect(task.state).toBe('succeeded');

    // A new backend process has new services and no memory of the task.
    const restarted = await startApiServer(await connectToEngine());
    const reply = await restarted.call('GET', `/tasks/${taskId}`);
    expect(reply.status).toBe(404);
    expect((reply.body as { code: string }).code).toBe('TASK_NOT_FOUND');
    expect((reply.body as { message: string }).message).toContain('restart');

    // The run that task started is found again from its labels.
    const runs = (await restarted.call('GET', '/runs')).body as { id: string }[];
    expect(runs.map((run) => run.id)).toContain(task.result?.id);
    await before.close();
    await restarted.close();
  });
});

describe('cleanup', () => {
  it('lists and removes only what ARM Runner created', async () => {
    const docker = engine.docker;
    const run = await engine.services.runs.start(request(FIXTURES.armv7));
    const foreign = await docker.createContainer({ Image: FIXTURES.armv7, Labels: { 'io.example.owner': 'someone else' } });
    await docker.getImage(FIXTURES.armv7).tag({ repo: 'arm-runner-test/user-tag', tag: 'keep' });
    try {
      const plan = await planCleanup(engine.services.docker, { runs: true, images: true });
      expect(plan.runs.map((item) => item.id)).toContain(run.id);
      expect(plan.runs.map((item) => item.id)).not.toContain(foreign.id.slice(0, 12));
      const imageNames = plan.images.flatMap((item) => item.name.split(', '));
      expect(imageNames).toContain(run.augmentedImage);
      expect(imageNames.filter((name) => name.startsWith('arm-runner-fixture/'))).toEqual([]);
      expect(imageNames).not.toContain('arm-runner-test/user-tag:keep');
      for (const item of plan.images) {
        const labels = (await docker.getImage(item.id).inspect()).Config.Labels ?? {};
        expect(labels[LABELS.managed], item.name).toBe('true');
      }
      // Listing removes nothing.
      expect((await docker.getContainer(run.containerId).inspect()).State.Running).toBe(true);

      // Only this test's run is applied, so that runs made before the test stay.
      const results = await applyCleanup(engine.services.docker, { runs: plan.runs.filter((item) => item.id === run.id), images: [] });
      expect(results).toEqual([expect.objectContaining({ id: run.id, outcome: 'removed' })]);
      await expect(docker.getContainer(run.containerId).inspect()).rejects.toMatchObject({ statusCode: 404 });
      expect((await docker.getContainer(foreign.id).inspect()).Id).toBe(foreign.id);
      expect((await docker.getImage('arm-runner-test/user-tag:keep').inspect()).Id).toBe((await docker.getImage(FIXTURES.armv7).inspect()).Id);
    } finally {
      await docker.getContainer(foreign.id).remove({ force: true });
      await docker.getImage('arm-runner-test/user-tag:keep').remove();
    }
  });

  it('an image a run uses is kept with the reason', async () => {
    const run = await engine.services.runs.start(request(FIXTURES.armv7));
    const plan = await planCleanup(engine.services.docker, { runs: false, images: true });
    const augmented = plan.images.filter((item) => item.name.includes(run.augmentedImage));
    const results = await applyCleanup(engine.services.docker, { runs: [], images: augmented });
    expect(results[0]?.outcome).toBe('kept');
    expect(results[0]?.reason).toBeTruthy();
    expect((await engine.docker.getContainer(run.containerId).inspect()).State.Running).toBe(true);
    await engine.services.runs.remove(run.id);
  });
});

describe('large logs', () => {
  it('are streamed and cut to the last MiB', async () => {
    const docker = engine.docker;
    // A native busybox replaces an emulated run, so that writing 30 MB takes no emulation time.
    const container = await docker.createContainer({
      Image: FIXTURES.native,
      Cmd: ['/bin/busybox', 'sh', '-c', "head -c 30000000 /dev/zero | tr '\\0' a; echo; echo END"],
      Labels: { ...managedLabels('run'), [LABELS.sourceImage]: 'large-logs-test', [LABELS.platform]: 'linux/arm/v7' },
    });
    try {
      await container.start();
      await container.wait();

      const logs = await engine.services.runs.logs(container.id.slice(0, 12), 10_000);
      expect(logs.truncated).toBe(true);
      expect(Buffer.byteLength(logs.text)).toBe(1024 * 1024);
      expect(logs.text.endsWith('a\nEND\n')).toBe(true);

      const short = await engine.services.runs.logs(container.id.slice(0, 12), 1);
      expect(short).toEqual({ text: 'END\n', truncated: false });
    } finally {
      await container.remove({ force: true });
    }
  });
});

describe('backend killed during a build', () => {
  it('leaves nothing half made, and the run works after a restart', async () => {
    const docker = engine.docker;
    const directory = mkdtempSync(path.join(os.tmpdir(), 'arm-runner-kill-'));
    const socketPath = path.join(directory, 'backend.sock');
    const tag = augmentedImageTag(parseImageReference(FIXTURES.setuid), 'linux/arm/v7');
    await docker.getImage(tag).remove({ force: true }).catch(() => undefined);

    // Leftovers of any age go at start, because this test's backend runs alone.
    const env = { ...process.env, ARM_RUNNER_LEFTOVER_AGE_SECONDS: '0', ARM_RUNNER_LOG_LEVEL: 'error' };
    const startBackend = async (): Promise<ChildProcess> => {
      const child = spawn(process.execPath, [CLI_PATH, 'serve', '--socket', socketPath], { stdio: 'ignore', env });
      for (let attempt = 0; attempt < 200 && !existsSync(socketPath); attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(existsSync(socketPath)).toBe(true);
      return child;
    };

    try {
      const first = await startBackend();
      const accepted = await requestOverSocket(socketPath, 'POST', '/runs', { image: FIXTURES.setuid });
      const { taskId } = accepted.body as { taskId: string };
      let task = (await requestOverSocket(socketPath, 'GET', `/tasks/${taskId}`)).body as TaskInfo<RunResult>;
      for (let attempt = 0; attempt < 1000 && !task.step.startsWith('Building') && task.state === 'running'; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        task = (await requestOverSocket(socketPath, 'GET', `/tasks/${taskId}`)).body as TaskInfo<RunResult>;
      }
      expect(task.step).toMatch(/^Building/);
      first.kill('SIGKILL');
      await new Promise((resolve) => first.once('exit', resolve));
      rmSync(socketPath, { force: true });

      const second = await startBackend();
      try {
        const lost = await requestOverSocket(socketPath, 'GET', `/tasks/${taskId}`);
        expect(lost.status).toBe(404);
        expect((lost.body as { message: string }).message).toContain('restart');
        const builds = await docker.listContainers({ all: true, filters: { label: [`${LABELS.managed}=true`, `${LABELS.role}=augment-build`] } });
        expect(builds).toEqual([]);

        // The same run works from the restarted backend.
        const again = await requestOverSocket(socketPath, 'POST', '/runs', { image: FIXTURES.setuid });
        const againId = (again.body as { taskId: string }).taskId;
        let result = (await requestOverSocket(socketPath, 'GET', `/tasks/${againId}`)).body as TaskInfo<RunResult>;
        for (let attempt = 0; attempt < 600 && result.state === 'running'; attempt += 1) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          result = (await requestOverSocket(socketPath, 'GET', `/tasks/${againId}`)).body as TaskInfo<RunResult>;
        }
        expect(result.error).toBeUndefined();
        expect(result.state).toBe('succeeded');
        expect(await fetchText(result.result?.endpoints[0] ?? '')).toContain('ARM Runner fixture');
      } finally {
        second.kill('SIGTERM');
        await new Promise((resolve) => second.once('exit', resolve));
      }
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
