import type { EngineClient } from '../engine/client.ts';
import type { ImageInspect } from '../engine/api-types.ts';
import type { ArmPlatform, Finding, PullResult } from '@arm-runner/contract';
import { ArmRunnerError } from '../errors.ts';
import { parseImageReference } from '../augment/reference.ts';
import { classifyImagePlatform, parsePlatform } from '../emulation/platform.ts';
import { engineMessage, engineStatusCode, fromEngineError } from '../engine/engine-errors.ts';
import { followPullProgress, type PullProgressEvent } from '../engine/streams.ts';
import { logger } from '../log.ts';
import {
  describeOciPlatform,
  platformNotOfferedError,
  pulledPlatformMismatchError,
  selectPlatform,
  type OciPlatform,
} from './platform-match.ts';
import { INDEX_MEDIA_TYPES, locateRegistry, readIndex, type EngineRegistryConfig, type IndexEntry, type RegistryLocation } from './registry-index.ts';

export type { PullProgressEvent };
export type PullProgressListener = (event: PullProgressEvent) => void;

/** The engine's response to GET /distribution/{name}/json. */
interface DistributionInspect {
  Descriptor: { mediaType: string; digest: string; size?: number };
  Platforms?: OciPlatform[] | null;
}

export interface PullPlatformOptions {
  onProgress?: PullProgressListener;
  /** Reads a multi-arch index from its registry. The default reads it anonymously over HTTP(S). */
  readIndex?: (location: RegistryLocation, digest: string) => Promise<IndexEntry[]>;
}

/**
 * Pulls exactly one ARM platform of an image from its registry.
 *
 * The engine is asked which platforms the reference offers, and a platform
 * that is not offered fails with PLATFORM_NOT_OFFERED before anything is
 * pulled. The pull goes by digest (repository@sha256:…), so the engine records
 * a digest reference and creates or moves no tag. Afterwards the pulled
 * image's os, architecture and variant are checked against the request, and a
 * mismatch fails with PLATFORM_MISMATCH instead of returning another platform.
 *
 * NOTE: the engine pulls without credentials (no X-Registry-Auth header), so
 * only registries that allow anonymous pulls work.
 */
export async function pullPlatform(
  docker: EngineClient,
  reference: string,
  requestedPlatform: string,
  options: PullPlatformOptions = {},
): Promise<PullResult> {
  const requested = parsePlatform(requestedPlatform);
  const parsed = parseImageReference(reference);
  if (parsed.imageId !== undefined) {
    throw new ArmRunnerError(
      'INVALID_IMAGE_REFERENCE',
      `"${reference}" is an image id, which names a local image. Pull needs a repository, such as registry.example:5000/team/app:1.0.`,
    );
  }
  const repository = parsed.domain === undefined ? parsed.path : `${parsed.domain}/${parsed.path}`;
  const remote = parsed.digest === undefined ? `${repository}:${parsed.tag ?? 'latest'}` : `${repository}@${parsed.digest}`;
  const report = (status: string): void => options.onProgress?.({ status });

  report(`Reading the platforms of ${remote} from its registry`);
  const distribution = await inspectDistribution(docker, remote);
  const offered = distribution.Platforms ?? [];
  const isIndex = (INDEX_MEDIA_TYPES as readonly string[]).includes(distribution.Descriptor.mediaType);
  const offeredSelection = selectPlatform(offered, (platform) => platform, requested);
  if (offeredSelection === undefined) {
    throw platformNotOfferedError(reference, requested, offered, isIndex);
  }

  const warnings = [...offeredSelection.warnings];
  let pullDigest = distribution.Descriptor.digest;
  if (isIndex) {
    const manifestDigest = await findPlatformManifest(docker, reference, parsed.domain, parsed.path, distribution, requested, options, warnings);
    if (manifestDigest === undefined) {
      await checkIndexDigestFree(docker, `${repository}@${pullDigest}`, requested);
    } else {
      pullDigest = manifestDigest;
    }
  }

  const digestReference = `${repository}@${pullDigest}`;
  const existedBefore = await imageExists(docker, digestReference);
  report(`Pulling ${requested} of ${remote} as ${digestReference}`);
  await pullByDigest(docker, repository, pullDigest, requested, options.onProgress);

  const inspect = await inspectPulled(docker, digestReference);
  const variant = (inspect as { Variant?: string }).Variant;
  const resolved = describeOciPlatform({ os: inspect.Os, architecture: inspect.Architecture, ...(variant ? { variant } : {}) });
  const classified = classifyImagePlatform(inspect.Os, inspect.Architecture, variant, '');
  if (classified.kind !== 'arm' || classified.platform !== requested) {
    const removed = existedBefore ? false : await removeReference(docker, digestReference);
    throw pulledPlatformMismatchError(reference, requested, `${digestReference}, image ${inspect.Id}`, resolved, removed);
  }
  for (const warning of classified.warnings) {
    if (!warnings.some((existing) => existing.code === warning.code)) {
      warnings.push(warning);
    }
  }

  logger.info({ event: 'pull.done', reference, platform: requested, imageId: inspect.Id, digestReference }, 'pulled one platform');
  return {
    reference,
    platform: requested,
    imageId: inspect.Id,
    digestReference,
    ...(isIndex ? { indexDigest: distribution.Descriptor.digest } : {}),
    offeredPlatforms: offered.map(describeOciPlatform),
    resolvedPlatform: resolved,
    warnings,
  };
}

/** Asks the engine which platforms a reference offers. The engine contacts the registry. */
async function inspectDistribution(docker: EngineClient, remote: string): Promise<DistributionInspect> {
  try {
    return await docker.getImage(remote).distribution();
  } catch (error) {
    const mapped = fromEngineError(error, `read ${remote} from its registry`);
    if (mapped.code === 'ENGINE_UNREACHABLE') {
      throw mapped;
    }
    const status = engineStatusCode(error);
    if (status === 404) {
      throw new ArmRunnerError(
        'IMAGE_NOT_FOUND',
        `The registry has no image ${remote}. Check the repository name and the tag, and that the image was pushed.`,
        engineMessage(error),
      );
    }
    if (status === 401 || status === 403) {
      throw new ArmRunnerError(
        'PULL_FAILED',
        `The registry refused to show ${remote} to the engine. ARM Runner pulls without credentials, so use an image that allows anonymous pulls.`,
        engineMessage(error),
      );
    }
    throw new ArmRunnerError(
      'PULL_FAILED',
      `The engine could not read ${remote} from its registry. Check that the registry is running and that the Docker engine can reach it.`,
      engineMessage(error),
    );
  }
}

/**
 * Finds the digest of the requested platform's own manifest in the index.
 * Returns undefined and adds a warning when the backend cannot read the
 * registry, and the caller then pulls by the index digest.
 */
async function findPlatformManifest(
  docker: EngineClient,
  reference: string,
  domain: string | undefined,
  path: string,
  distribution: DistributionInspect,
  requested: ArmPlatform,
  options: PullPlatformOptions,
  warnings: Finding[],
): Promise<string | undefined> {
  const indexDigest = distribution.Descriptor.digest;
  let entries: IndexEntry[];
  try {
    const info = (await docker.info()) as { RegistryConfig?: EngineRegistryConfig };
    const location = locateRegistry(domain, path, info.RegistryConfig ?? {});
    entries = await (options.readIndex ?? readIndex)(location, indexDigest);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    logger.warn({ event: 'pull.index-unreadable', reference, indexDigest, reason }, 'could not read the index; pulling by the index digest');
    warnings.push({
      code: 'INDEX_NOT_READ',
      message:
        `ARM Runner could not read the index of ${reference} itself (${reason}), so the engine pulled by the index digest. ` +
        'The engine keeps one image per index digest, so a second platform of this index cannot be pulled the same way.',
      fix: 'Remove the digest reference of the first platform before pulling another one.',
    });
    return undefined;
  }

  const selection = selectPlatform(entries, (entry) => entry.platform, requested);
  if (selection === undefined) {
    throw platformNotOfferedError(
      reference,
      requested,
      entries.map((entry) => entry.platform),
      true,
    );
  }
  return selection.entry.digest;
}

/**
 * Checks that the engine can record repository@<index digest> for the
 * requested platform. Engine 20.10 refuses to point an existing digest
 * reference at another image ("Cannot overwrite digest"), and it does so only
 * after downloading the layers.
 */
async function checkIndexDigestFree(docker: EngineClient, indexReference: string, requested: ArmPlatform): Promise<void> {
  let inspect: ImageInspect;
  try {
    inspect = await docker.getImage(indexReference).inspect();
  } catch (error) {
    if (engineStatusCode(error) === 404) {
      return;
    }
    throw fromEngineError(error, `inspect ${indexReference}`);
  }

  const variant = (inspect as { Variant?: string }).Variant;
  const classified = classifyImagePlatform(inspect.Os, inspect.Architecture, variant, '');
  if (classified.kind === 'arm' && classified.platform === requested) {
    return;
  }
  const existing = describeOciPlatform({ os: inspect.Os, architecture: inspect.Architecture, ...(variant ? { variant } : {}) });
  throw new ArmRunnerError(
    'PULL_FAILED',
    `The engine already maps ${indexReference} to a ${existing} image (${inspect.Id}) and cannot map that index digest to a ${requested} image too. ` +
      `Remove that reference with "docker rmi ${indexReference}" (this also deletes the image when it has no other tag or reference), then pull again.`,
  );
}

async function imageExists(docker: EngineClient, reference: string): Promise<boolean> {
  try {
    await docker.getImage(reference).inspect();
    return true;
  } catch (error) {
    if (engineStatusCode(error) === 404) {
      return false;
    }
    throw fromEngineError(error, `inspect ${reference}`);
  }
}

async function pullByDigest(
  docker: EngineClient,
  repository: string,
  digest: string,
  platform: ArmPlatform,
  onProgress: PullProgressListener | undefined,
): Promise<void> {
  const digestReference = `${repository}@${digest}`;
  try {
    const stream = await docker.pullImage({ fromImage: repository, tag: digest, platform });
    await followPullProgress(stream, onProgress);
  } catch (error) {
    const detail = error instanceof ArmRunnerError ? (error.detail ?? error.message) : engineMessage(error);
    const mapped = fromEngineError(error, `pull ${digestReference}`);
    if (mapped.code === 'ENGINE_UNREACHABLE') {
      throw mapped;
    }
    throw new ArmRunnerError(
      'PULL_FAILED',
      `The engine failed to pull ${platform} as ${digestReference}. Check that the registry is reachable from the Docker engine, then try again.`,
      detail,
    );
  }
}

async function inspectPulled(docker: EngineClient, digestReference: string): Promise<ImageInspect> {
  try {
    return await docker.getImage(digestReference).inspect();
  } catch (error) {
    throw fromEngineError(error, `inspect the pulled image ${digestReference}`);
  }
}

/** Removes a digest reference that this pull created. The engine deletes the image too when nothing else refers to it. */
async function removeReference(docker: EngineClient, digestReference: string): Promise<boolean> {
  try {
    await docker.getImage(digestReference).remove();
    return true;
  } catch (error) {
    logger.warn({ event: 'pull.cleanup-failed', digestReference, err: error }, 'could not remove the reference of a mismatching pull');
    return false;
  }
}

/**
 * Returns a listener that writes one line per change: each of ARM Runner's
 * steps, and each new status of a layer. Repeated "Downloading" and
 * "Extracting" ticks of the same layer are left out.
 */
export function layerStatusPrinter(write: (line: string) => void): PullProgressListener {
  const lastStatus = new Map<string, string>();
  return (event) => {
    if (event.layer === undefined) {
      write(event.status);
      return;
    }
    if (lastStatus.get(event.layer) === event.status) {
      return;
    }
    lastStatus.set(event.layer, event.status);
    write(`${event.layer}: ${event.status}`);
  };
}
