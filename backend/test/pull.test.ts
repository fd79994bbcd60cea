import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { pack } from 'tar-stream';
import type { PullResult, TaskInfo } from '@arm-runner/contract';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveSourceImage } from '../src/augment/source-image.ts';
import { createEngineClient } from '../src/engine/client.ts';
import { ArmRunnerError } from '../src/errors.ts';
import { pullPlatform, type PullProgressEvent } from '../src/images/platform-pull.ts';
import { INDEX_MEDIA_TYPES } from '../src/images/registry-index.ts';
import { startApiServer } from './rig/api-server.ts';
import { CLI_PATH, connectToEngine } from './rig/engine-rig.ts';

// These tests pull from a registry on 127.0.0.1 that scripts/local-registry.sh
// starts and seeds. They never run an ARM image, so they work with any
// binfmt_misc state and leave the handlers alone.
const execFileAsync = promisify(execFile);

const REGISTRY = `127.0.0.1:${process.env.ARM_RUNNER_REGISTRY_PORT ?? '5000'}`;
const REPOSITORY_PATH = 'arm-runner-fixture/httpd';
const REPOSITORY = `${REGISTRY}/${REPOSITORY_PATH}`;
const MULTI = `${REPOSITORY}:multi`;
const SETUP = 'Run "bash scripts/local-registry.sh start && bash scripts/local-registry.sh seed" first.';
const MANIFEST_MEDIA_TYPE = 'application/vnd.docker.distribution.manifest.v2+json';

const LOCAL_FIXTURES = {
  amd64: 'arm-runner-fixture/httpd:amd64',
  armv6: 'arm-runner-fixture/httpd:armv6',
  armv7: 'arm-runner-fixture/httpd:armv7',
  arm64: 'arm-runner-fixture/httpd:arm64',
} as const;

const docker = new Docker();
/** The product's own client, for the functions under test. */
const engineClient = createEngineClient();
let fixtureIds: Record<keyof typeof LOCAL_FIXTURES, string>;
let indexDigest: string;
let engineArchitecture: string;

interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs a program with arguments as an array and no shell, and keeps its output when it fails. */
async function runProgram(file: string, args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await execFileAsync(file, args, { timeout: 120_000 });
    return { exitCode: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { exitCode: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

function cli(...args: string[]): Promise<CliResult> {
  return runProgram(process.execPath, [CLI_PATH, ...args]);
}

/** Sends a request to the test registry. Only 127.0.0.1 is ever addressed. */
async function registry(method: string, route: string, headers: Record<string, string> = {}, body?: string): Promise<Response> {
  return fetch(`http://${REGISTRY}/v2/${route}`, { method, headers, ...(body === undefined ? {} : { body }) });
}

/** Returns the digest and size of a tag's single-platform manifest in the test registry. */
async function manifestOf(tag: string): Promise<{ digest: string; size: number }> {
  const response = await registry('GET', `${REPOSITORY_PATH}/manifests/${tag}`, { accept: MANIFEST_MEDIA_TYPE });
  expect(response.status, `the registry has no ${REPOSITORY}:${tag}. ${SETUP}`).toBe(200);
  const body = Buffer.from(await response.arrayBuffer());
  return { digest: response.headers.get('docker-content-digest') ?? '', size: body.length };
}

/** Maps every local tag to its image id. */
async function localTags(): Promise<Map<string, string>> {
  const tags = new Map<string, string>();
  for (const image of await docker.listImages()) {
    for (const tag of image.RepoTags ?? []) {
      if (tag !== '<none>:<none>') {
        tags.set(tag, image.Id);
      }
    }
  }
  return tags;
}

/** Lists the local digest references that name the test registry. */
async function registryDigestReferences(): Promise<string[]> {
  const references = (await docker.listImages()).flatMap((image) => image.RepoDigests ?? []);
  return references.filter((reference) => reference.startsWith(`${REGISTRY}/`)).sort();
}

/**
 * Checks that no tag that existed before points elsewhere now, and that no tag
 * under the registry's name was created. Tags that other programs create or
 * remove under other names meanwhile do not count.
 */
function expectNoTagCreatedOrMoved(before: Map<string, string>, after: Map<string, string>): void {
  const moved = [...before].filter(([tag, id]) => after.has(tag) && after.get(tag) !== id).map(([tag]) => tag);
  expect(moved).toEqual([]);
  const created = [...after.keys()].filter((tag) => !before.has(tag) && tag.startsWith(`${REGISTRY}/`));
  expect(created).toEqual([]);
}

async function imageExists(reference: string): Promise<boolean> {
  try {
    await docker.getImage(reference).inspect();
    return true;
  } catch {
    return false;
  }
}

/** Removes a digest reference or tag that a test created. The engine deletes the image too only when nothing else refers to it. */
async function removeReference(reference: string): Promise<void> {
  if (await imageExists(reference)) {
    await docker.getImage(reference).remove();
  }
}

async function expectFailure(work: Promise<unknown>, code: string): Promise<ArmRunnerError> {
  const error: unknown = await work.then(
    () => new Error('the call succeeded, but it should have failed'),
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(ArmRunnerError);
  expect((error as ArmRunnerError).code).toBe(code);
  return error as ArmRunnerError;
}

beforeAll(async () => {
  // Checks the engine and every fixture, and fails with the command that makes them.
  const services = await connectToEngine();
  engineArchitecture = (await services.status.engine()).architecture;

  const ids: Partial<Record<keyof typeof LOCAL_FIXTURES, string>> = {};
  for (const [name, reference] of Object.entries(LOCAL_FIXTURES) as [keyof typeof LOCAL_FIXTURES, string][]) {
    ids[name] = (await docker.getImage(reference).inspect().catch(() => {
      throw new Error(`Fixture image ${reference} is missing. Run scripts/prepare-assets.sh first.`);
    })).Id;
  }
  fixtureIds = ids as Record<keyof typeof LOCAL_FIXTURES, string>;

  const ping = await fetch(`http://${REGISTRY}/v2/`).catch((error: unknown) => {
    throw new Error(`No registry responds at http://${REGISTRY}/v2/ (${String(error)}). ${SETUP}`);
  });
  if (ping.status !== 200) {
    throw new Error(`http://${REGISTRY}/v2/ responded ${ping.status}, not 200. ${SETUP}`);
  }

  const index = await registry('GET', `${REPOSITORY_PATH}/manifests/multi`, { accept: INDEX_MEDIA_TYPES.join(', ') });
  if (index.status !== 200) {
    throw new Error(`The registry has no ${MULTI} (HTTP ${index.status}). ${SETUP}`);
  }
  const platforms = ((await index.json()) as { manifests: { platform: { architecture: string; variant?: string } }[] }).manifests
    .map((entry) => [entry.platform.architecture, entry.platform.variant].filter(Boolean).join('/'))
    .sort();
  if (platforms.join(' ') !== 'amd64 arm/v6 arm/v7 arm64/v8') {
    throw new Error(`${MULTI} lists ${platforms.join(', ')}, not amd64, arm/v6, arm/v7 and arm64/v8. ${SETUP}`);
  }
  indexDigest = index.headers.get('docker-content-digest') ?? '';
});

describe('pullPlatform from a multi-arch index', () => {
  it('pulls each ARM platform exactly', async () => {
    const cases = [
      { platform: 'linux/arm/v6', fixture: 'armv6', architecture: 'arm', variants: ['v6'] },
      { platform: 'linux/arm/v7', fixture: 'armv7', architecture: 'arm', variants: ['v7'] },
      { platform: 'linux/arm64', fixture: 'arm64', architecture: 'arm64', variants: ['', 'v8'] },
    ] as const;
    const tagsBefore = await localTags();
    const referencesBefore = await registryDigestReferences();
    const created: string[] = [];

    try {
      for (const testCase of cases) {
        const expectedManifest = await manifestOf(testCase.fixture);
        const result = await pullPlatform(engineClient, MULTI, testCase.platform);
        if (!referencesBefore.includes(result.digestReference)) {
          created.push(result.digestReference);
        }

        expect(result.platform).toBe(testCase.platform);
        expect(result.indexDigest).toBe(indexDigest);
        expect(result.digestReference).toBe(`${REPOSITORY}@${expectedManifest.digest}`);
        expect(result.imageId).toBe(fixtureIds[testCase.fixture]);
        expect(result.offeredPlatforms.sort()).toEqual(['linux/amd64', 'linux/arm/v6', 'linux/arm/v7', 'linux/arm64/v8']);
        expect(result.warnings).toEqual([]);

        const inspect = await docker.getImage(result.digestReference).inspect();
        expect(inspect.Id).toBe(result.imageId);
        expect(inspect.Os).toBe('linux');
        expect(inspect.Architecture).toBe(testCase.architecture);
        expect(testCase.variants).toContain((inspect as { Variant?: string }).Variant ?? '');
      }

      expectNoTagCreatedOrMoved(tagsBefore, await localTags());
    } finally {
      for (const reference of created) {
        await removeReference(reference);
      }
    }
  });

  it('plain docker pull gives amd64', async () => {
    // The trap that the product avoids: without --platform the engine picks
    // its own platform from the index, and the local tag then contains amd64.
    expect(engineArchitecture, 'this test expects an amd64 engine').toBe('amd64');
    expect(await imageExists(MULTI), `a local tag ${MULTI} already exists. Remove it with "docker rmi ${MULTI}".`).toBe(false);
    const indexReference = `${REPOSITORY}@${indexDigest}`;
    const indexReferenceExisted = await imageExists(indexReference);

    try {
      const pulled = await runProgram('docker', ['pull', '-q', MULTI]);
      expect(pulled.stderr).toBe('');
      expect(pulled.exitCode).toBe(0);
      const inspect = await docker.getImage(MULTI).inspect();
      expect(inspect.Architecture).toBe('amd64');
      expect(inspect.Id).toBe(fixtureIds.amd64);
    } finally {
      await removeReference(MULTI);
      if (!indexReferenceExisted) {
        await removeReference(indexReference);
      }
    }
  });

  it('single-platform tag of another platform is rejected', async () => {
    const referencesBefore = await registryDigestReferences();
    const tagsBefore = await localTags();

    const error = await expectFailure(pullPlatform(engineClient, `${REPOSITORY}:armv7`, 'linux/arm/v6'), 'PLATFORM_NOT_OFFERED');
    expect(error.message).toContain(`${REPOSITORY}:armv7 is a single-platform image for linux/arm/v7 in its registry, not linux/arm/v6.`);
    expect(error.message).toContain('Nothing was pulled.');

    expect(await registryDigestReferences()).toEqual(referencesBefore);
    expectNoTagCreatedOrMoved(tagsBefore, await localTags());
  });

  it('platform missing from the index is rejected', async () => {
    const tag = `test-no-v6-${randomBytes(4).toString('hex')}`;
    const entries = [
      { ...(await manifestOf('amd64')), platform: { architecture: 'amd64', os: 'linux' } },
      { ...(await manifestOf('armv7')), platform: { architecture: 'arm', os: 'linux', variant: 'v7' } },
    ];
    const digest = await putIndex(tag, entries);
    const referencesBefore = await registryDigestReferences();

    try {
      const error = await expectFailure(pullPlatform(engineClient, `${REPOSITORY}:${tag}`, 'linux/arm/v6'), 'PLATFORM_NOT_OFFERED');
      expect(error.message).toContain('lists linux/amd64, linux/arm/v7, but not linux/arm/v6');
      expect(error.message).toContain('Choose --platform linux/arm/v7');
      expect(await registryDigestReferences()).toEqual(referencesBefore);
    } finally {
      await deleteManifest(digest);
    }
  });

  it('mislabeled index entry fails after the pull', async () => {
    // The index claims arm/v6 for the arm/v7 image. Only the check of the
    // pulled image's config can catch this.
    const tag = `test-mislabeled-${randomBytes(4).toString('hex')}`;
    const armv7 = await manifestOf('armv7');
    const digest = await putIndex(tag, [{ ...armv7, platform: { architecture: 'arm', os: 'linux', variant: 'v6' } }]);
    const pulledReference = `${REPOSITORY}@${armv7.digest}`;
    expect(await imageExists(pulledReference), `${pulledReference} exists already. Remove it with "docker rmi ${pulledReference}".`).toBe(false);

    try {
      const error = await expectFailure(pullPlatform(engineClient, `${REPOSITORY}:${tag}`, 'linux/arm/v6'), 'PLATFORM_MISMATCH');
      expect(error.message).toContain('is linux/arm/v7, not linux/arm/v6');
      expect(error.message).toContain(pulledReference);
      expect(error.message).toContain('removed the reference that the pull had created');
      expect(await imageExists(pulledReference)).toBe(false);
      expect(await imageExists(LOCAL_FIXTURES.armv7)).toBe(true);
    } finally {
      await removeReference(pulledReference);
      await deleteManifest(digest);
    }
  });

  it('unreadable index falls back to the index digest', async () => {
    const indexReference = `${REPOSITORY}@${indexDigest}`;
    expect(await imageExists(indexReference), `${indexReference} exists already. Remove it with "docker rmi ${indexReference}".`).toBe(false);
    const failingReader = () => Promise.reject(new Error('registry unreachable from the backend'));

    try {
      const first = await pullPlatform(engineClient, MULTI, 'linux/arm/v6', { readIndex: failingReader });
      expect(first.digestReference).toBe(indexReference);
      expect(first.imageId).toBe(fixtureIds.armv6);
      expect(first.warnings).toHaveLength(1);
      expect(first.warnings[0]?.code).toBe('INDEX_NOT_READ');
      expect(first.warnings[0]?.message).toContain('registry unreachable from the backend');

      // Engine 20.10 keeps one image per digest reference, so the second
      // platform is rejected before any layer is pulled.
      const referencesBefore = await registryDigestReferences();
      const error = await expectFailure(pullPlatform(engineClient, MULTI, 'linux/arm/v7', { readIndex: failingReader }), 'PULL_FAILED');
      expect(error.message).toContain(`The engine already maps ${indexReference} to a linux/arm/v6 image`);
      expect(error.message).toContain(`docker rmi ${indexReference}`);
      expect(await registryDigestReferences()).toEqual(referencesBefore);

      const again = await pullPlatform(engineClient, MULTI, 'linux/arm/v6', { readIndex: failingReader });
      expect(again.imageId).toBe(fixtureIds.armv6);
    } finally {
      await removeReference(indexReference);
    }
  });

  it('missing repository is not found', async () => {
    const error = await expectFailure(pullPlatform(engineClient, `${REGISTRY}/arm-runner-test/no-such-image:1`, 'linux/arm/v7'), 'IMAGE_NOT_FOUND');
    expect(error.message).toContain(`The registry has no image ${REGISTRY}/arm-runner-test/no-such-image:1.`);
  });
});

/** Returns a tar archive with one file at its root. */
async function oneFileTar(name: string, content: string): Promise<Buffer> {
  const archive = pack();
  archive.entry({ name }, content);
  archive.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of archive) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Writes an index under a tag of the fixture repository and returns its digest. */
async function putIndex(tag: string, entries: { digest: string; size: number; platform: { architecture: string; os: string; variant?: string } }[]): Promise<string> {
  const mediaType = 'application/vnd.docker.distribution.manifest.list.v2+json';
  const manifests = entries.map((entry) => ({ mediaType: MANIFEST_MEDIA_TYPE, digest: entry.digest, size: entry.size, platform: entry.platform }));
  const body = JSON.stringify({ schemaVersion: 2, mediaType, manifests });
  const response = await registry('PUT', `${REPOSITORY_PATH}/manifests/${tag}`, { 'content-type': mediaType }, body);
  expect(response.status, await response.clone().text()).toBe(201);
  return response.headers.get('docker-content-digest') ?? '';
}

async function deleteManifest(digest: string, repositoryPath = REPOSITORY_PATH): Promise<void> {
  const response = await registry('DELETE', `${repositoryPath}/manifests/${digest}`);
  expect(response.status).toBe(202);
}

describe('pullPlatform of a new image', () => {
  it('downloads the new layer and reports it', async () => {
    // A one-file layer on top of the arm/v7 fixture, pushed and then removed
    // locally, so that the pull has to download it.
    const repositoryPath = 'arm-runner-test/pull-progress';
    const tag = randomBytes(4).toString('hex');
    const remote = `${REGISTRY}/${repositoryPath}:${tag}`;
    const container = await docker.createContainer({ Image: LOCAL_FIXTURES.armv7, Cmd: ['/bin/true'] });
    let builtId: string;
    try {
      await container.putArchive(await oneFileTar(`pull-test-${tag}.txt`, `layer made by the pull test ${tag}\n`), { path: '/' });
      builtId = ((await container.commit({ repo: `${REGISTRY}/${repositoryPath}`, tag })) as { Id: string }).Id;
    } finally {
      await container.remove({ force: true });
    }

    const pushed = await runProgram('docker', ['push', '-q', remote]);
    expect(pushed.exitCode, pushed.stderr).toBe(0);
    const head = await registry('HEAD', `${repositoryPath}/manifests/${tag}`, { accept: MANIFEST_MEDIA_TYPE });
    const manifestDigest = head.headers.get('docker-content-digest') ?? '';
    await docker.getImage(remote).remove();
    expect(await imageExists(builtId)).toBe(false);

    const events: PullProgressEvent[] = [];
    let result: PullResult | undefined;
    try {
      result = await pullPlatform(engineClient, remote, 'linux/arm/v7', { onProgress: (event) => events.push(event) });

      expect(result.imageId).toBe(builtId);
      expect(result.digestReference).toBe(`${REGISTRY}/${repositoryPath}@${manifestDigest}`);
      expect(result.indexDigest).toBeUndefined();
      expect(result.resolvedPlatform).toBe('linux/arm/v7');
      expect(events.filter((event) => event.layer !== undefined && event.status === 'Pull complete')).toHaveLength(1);
      expect(events.some((event) => event.layer !== undefined && event.status === 'Already exists')).toBe(true);
      expect(events.some((event) => event.status.startsWith('Pulling linux/arm/v7 of'))).toBe(true);
      expect(await imageExists(remote)).toBe(false);
    } finally {
      if (await imageExists(builtId)) {
        await docker.getImage(builtId).remove({ force: true });
      }
      await deleteManifest(manifestDigest, repositoryPath);
    }
  });
});

describe('local tag check', () => {
  it('names the platform the tag contains', async () => {
    const repo = 'arm-runner-test/pull-local';
    const tagName = randomBytes(4).toString('hex');
    const tag = `${repo}:${tagName}`;
    try {
      await docker.getImage(LOCAL_FIXTURES.amd64).tag({ repo, tag: tagName });
      const amd64 = await expectFailure(resolveSourceImage(engineClient, tag, 'linux/arm/v7', engineArchitecture), 'PLATFORM_MISMATCH');
      expect(amd64.message).toContain(`The local image ${tag} is linux/amd64, not linux/arm/v7.`);
      expect(amd64.message).toContain('A local tag names one image with one platform, so --platform cannot pick another platform from it');
      // The tag was made here, not pulled, so no pull is offered for it.
      expect(amd64.message).not.toContain('arm-runner pull');
      expect(amd64.message).toMatch(/build or load an image that is linux\/arm\/v7/i);

      // Tagging the arm/v7 image under the same name moves the tag, as a
      // docker load of that image would, and the tag then contains arm/v7 only.
      await docker.getImage(LOCAL_FIXTURES.armv7).tag({ repo, tag: tagName });
      const armv7 = await expectFailure(resolveSourceImage(engineClient, tag, 'linux/arm/v6', engineArchitecture), 'PLATFORM_MISMATCH');
      expect(armv7.message).toContain(`The local image ${tag} is linux/arm/v7, not linux/arm/v6.`);
      expect(armv7.message).toMatch(/choose --platform linux\/arm\/v7/i);

      const resolved = await resolveSourceImage(engineClient, tag, 'linux/arm/v7', engineArchitecture);
      expect(resolved.id).toBe(fixtureIds.armv7);
      expect(resolved.platform).toBe('linux/arm/v7');
    } finally {
      await removeReference(tag);
    }
  });
});

describe('pull surfaces', () => {
  it('CLI pull --json prints the result', async () => {
    const tagsBefore = await localTags();
    const expected = await manifestOf('armv7');
    const reference = `${REPOSITORY}@${expected.digest}`;
    const existed = await imageExists(reference);

    try {
      const result = await cli('pull', MULTI, '--platform', 'linux/arm/v7', '--json');
      expect(result.stderr).toBe('');
      expect(result.exitCode).toBe(0);
      const pulled = JSON.parse(result.stdout) as PullResult;
      expect(pulled).toMatchObject({
        reference: MULTI,
        platform: 'linux/arm/v7',
        imageId: fixtureIds.armv7,
        digestReference: reference,
        indexDigest,
        resolvedPlatform: 'linux/arm/v7',
        warnings: [],
      });
      expectNoTagCreatedOrMoved(tagsBefore, await localTags());
    } finally {
      if (!existed) {
        await removeReference(reference);
      }
    }
  });

  it('CLI pull prints progress and errors', async () => {
    const expected = await manifestOf('arm64');
    const reference = `${REPOSITORY}@${expected.digest}`;
    const existed = await imageExists(reference);

    try {
      const human = await cli('pull', MULTI, '--platform', 'linux/arm64');
      expect(human.exitCode).toBe(0);
      expect(human.stderr).toContain(`… Reading the platforms of ${MULTI} from its registry`);
      expect(human.stdout).toContain(`Pulled linux/arm64 of ${MULTI}.`);
      expect(human.stdout).toContain(`reference:  ${reference}`);
    } finally {
      if (!existed) {
        await removeReference(reference);
      }
    }

    const refused = await cli('pull', `${REPOSITORY}:armv7`, '--platform', 'linux/arm/v6', '--json');
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stdout).toBe('');
    expect(JSON.parse(refused.stderr)).toMatchObject({ code: 'PLATFORM_NOT_OFFERED' });

    const missing = await cli('pull', MULTI, '--json');
    expect(missing.exitCode).not.toBe(0);
    expect(JSON.parse(missing.stderr)).toMatchObject({ code: 'INVALID_REQUEST' });
  });

  it('POST /images/pull runs a pull task', async () => {
    const api = await startApiServer(await connectToEngine());
    const expected = await manifestOf('armv6');
    const reference = `${REPOSITORY}@${expected.digest}`;
    const existed = await imageExists(reference);

    try {
      const invalid = await api.call('POST', '/images/pull', { image: MULTI, platform: 'linux/s390x' });
      expect(invalid.status).toBe(400);
      expect(invalid.body).toMatchObject({ code: 'INVALID_PLATFORM' });

      const accepted = await api.call('POST', '/images/pull', { image: MULTI, platform: 'linux/arm/v6' });
      expect(accepted.status).toBe(202);
      const { taskId } = accepted.body as { taskId: string };

      let task: TaskInfo<PullResult> | undefined;
      for (let attempt = 0; attempt < 600 && (task === undefined || task.state === 'running'); attempt += 1) {
        task = (await api.call('GET', `/tasks/${taskId}`)).body as TaskInfo<PullResult>;
        if (task.state === 'running') {
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
      expect(task?.kind).toBe('pull');
      expect(task?.error).toBeUndefined();
      expect(task?.state).toBe('succeeded');
      expect(task?.result).toMatchObject({ platform: 'linux/arm/v6', imageId: fixtureIds.armv6, digestReference: reference });
      expect(task?.log).toContain(`Reading the platforms of ${MULTI} from its registry`);
    } finally {
      await api.close();
      if (!existed) {
        await removeReference(reference);
      }
    }
  });
});
