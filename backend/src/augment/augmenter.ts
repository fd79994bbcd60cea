import type { Container, EngineClient } from '../engine/client.ts';
import type { ImageInspect } from '../engine/api-types.ts';
import type { AugmentResult } from '@arm-runner/contract';
import type { LoadedBundle } from '../bundle/bundle.ts';
import { ArmRunnerError } from '../errors.ts';
import { engineStatusCode, fromEngineError } from '../engine/engine-errors.ts';
import { LABELS, managedLabels } from '../engine/labels.ts';
import { packTar } from '../engine/tar.ts';
import { emulatorFor } from '../emulation/platform.ts';
import { logger } from '../log.ts';
import { augmentedImageTag } from './reference.ts';
import type { SourceImage } from './source-image.ts';

export type StepReporter = (step: string) => void;

/** Quotes a value for a LABEL instruction in the commit's Dockerfile changes. */
function labelInstruction(key: string, value: string): string {
  return `LABEL ${key}=${JSON.stringify(value)}`;
}

/**
 * Builds and caches augmented images: the source image plus one layer that
 * contains the bundled static QEMU at /usr/bin/qemu-<arch>-static.
 *
 * The layer is added without a builder. A container is created from the
 * source (never started), the QEMU tar is uploaded into it, and the container
 * is committed. That equals `FROM <id>` plus `ADD qemu.tar /` in result: one
 * layer, the source's config kept, no RUN, so images without a shell work.
 * It needs no build context and behaves the same on classic and BuildKit engines.
 */
export class Augmenter {
  private readonly inFlight = new Map<string, Promise<AugmentResult>>();

  constructor(
    private readonly docker: EngineClient,
    private readonly bundle: LoadedBundle,
  ) {}

  /**
   * Returns the augmented image for a source, building it only when none
   * matches. Concurrent calls share one build. `extraInterpreterPaths` are
   * further paths that get the same QEMU as a hard link, for a handler
   * without F whose interpreter path differs from the bundle's.
   */
  ensure(source: SourceImage, onStep: StepReporter = () => undefined, extraInterpreterPaths: string[] = []): Promise<AugmentResult> {
    const extraPaths = [...new Set(extraInterpreterPaths)].sort();
    for (const extraPath of extraPaths) {
      assertInterpreterPath(extraPath);
    }
    const key = `${source.id}|${source.platform}|${source.reference}|${extraPaths.join(',')}`;
    let pending = this.inFlight.get(key);
    if (pending === undefined) {
      pending = this.ensureUncached(source, onStep, extraPaths).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private async ensureUncached(source: SourceImage, onStep: StepReporter, extraPaths: string[]): Promise<AugmentResult> {
    const qemu = this.bundle.qemu(emulatorFor(source.platform));
    const tag = augmentedImageTag(source.parsed, source.platform);
    const existing = await this.inspectExisting(tag);
    const extraPathsLabel = extraPaths.filter((extraPath) => extraPath !== qemu.interpreterPath).join(',');

    if (existing !== undefined) {
      const labels = existing.Config.Labels ?? {};
      if (labels[LABELS.managed] !== 'true') {
        throw new ArmRunnerError(
          'TAG_CONFLICT',
          `The tag ${tag} already exists and was not made by ARM Runner, so it is left alone. Rename or remove that image, then try again.`,
        );
      }
      if (
        labels[LABELS.sourceImageId] === source.id &&
        labels[LABELS.qemuSha256] === qemu.sha256 &&
        (labels[LABELS.extraInterpreterPaths] ?? '') === extraPathsLabel
      ) {
        onStep(`Reusing augmented image ${tag}`);
        return this.result(tag, existing.Id, source, qemu.version, true);
      }
    }

    onStep(`Building augmented image ${tag} with qemu-${qemu.arch}-static ${qemu.version}`);
    const imageId = await this.build(source, tag, qemu, extraPathsLabel === '' ? [] : extraPathsLabel.split(','));

    if (existing !== undefined && existing.Id !== imageId) {
      await this.removeStale(existing.Id, tag);
    }
    return this.result(tag, imageId, source, qemu.version, false);
  }

  private async inspectExisting(tag: string): Promise<ImageInspect | undefined> {
    try {
      return await this.docker.getImage(tag).inspect();
    } catch (error) {
      if (engineStatusCode(error) === 404) {
        return undefined;
      }
      throw fromEngineError(error, `inspect ${tag}`);
    }
  }

  private async build(
    source: SourceImage,
    tag: string,
    qemu: ReturnType<LoadedBundle['qemu']>,
    extraPaths: string[],
  ): Promise<string> {
    const config = source.inspect.Config;
    if ((config.Cmd ?? []).length === 0 && (config.Entrypoint ?? []).length === 0) {
      throw new ArmRunnerError(
        'INVALID_REQUEST',
        `Image ${source.reference} has neither ENTRYPOINT nor CMD, so there is no program to run. Add one to the image.`,
      );
    }

    let container: Container;
    try {
      container = await this.docker.createContainer({
        Image: source.id,
        Labels: { ...managedLabels('augment-build'), [LABELS.sourceImageId]: source.id },
        NetworkDisabled: true,
        platform: source.platform,
      });
    } catch (error) {
      throw fromEngineError(error, `create a container from ${source.reference} to add QEMU`);
    }

    try {
      await container.putArchive({ filePath: qemu.tarPath }, { path: '/' });
      if (extraPaths.length > 0) {
        await container.putArchive(hardLinkArchive(qemu.interpreterPath, extraPaths), { path: '/' });
      }
      const [repo, imageTag] = splitTag(tag);
      const changes = [
        labelInstruction(LABELS.managed, 'true'),
        labelInstruction(LABELS.role, 'augmented-image'),
        labelInstruction(LABELS.sourceImage, source.reference),
        labelInstruction(LABELS.sourceImageId, source.id),
        labelInstruction(LABELS.platform, source.platform),
        labelInstruction(LABELS.qemuVersion, qemu.version),
        labelInstruction(LABELS.qemuSha256, qemu.sha256),
        labelInstruction(LABELS.interpreterPath, qemu.interpreterPath),
        labelInstruction(LABELS.extraInterpreterPaths, extraPaths.join(',')),
      ];
      const committed = await container.commit({
        repo,
        tag: imageTag,
        changes,
        pause: false,
        comment: `ARM Runner: add ${qemu.interpreterPath} (QEMU ${qemu.version})`,
      });
      logger.info({ event: 'augment.built', tag, imageId: committed.Id, sourceImageId: source.id }, 'built augmented image');
      return committed.Id;
    } catch (error) {
      throw fromEngineError(error, `add QEMU to ${source.reference}`);
    } finally {
      await container.remove({ force: true }).catch((error: unknown) => {
        logger.warn({ event: 'augment.cleanup-failed', containerId: container.id, err: error }, 'could not remove the build container');
      });
    }
  }

  /** Removes an augmented image that a rebuild replaced, unless a run still uses it. */
  private async removeStale(imageId: string, tag: string): Promise<void> {
    try {
      // noprune: the parent is the user's source image, which may have lost its tag.
      await this.docker.getImage(imageId).remove({ noprune: true });
      logger.info({ event: 'augment.stale-removed', imageId, tag }, 'removed replaced augmented image');
    } catch (error) {
      logger.info({ event: 'augment.stale-kept', imageId, tag, reason: String(error) }, 'kept replaced augmented image');
    }
  }

  private result(tag: string, imageId: string, source: SourceImage, qemuVersion: string, reused: boolean): AugmentResult {
    return {
      augmentedImage: tag,
      augmentedImageId: imageId,
      sourceImageId: source.id,
      platform: source.platform,
      qemuVersion,
      reused,
    };
  }
}

/**
 * Rejects an interpreter path that is not a plain absolute file path. The
 * kernel reads it from the handler table, so it is checked before it becomes
 * a file name in the image.
 */
function assertInterpreterPath(interpreterPath: string): void {
  const segments = interpreterPath.split('/').slice(1);
  if (!interpreterPath.startsWith('/') || !/^[A-Za-z0-9._/+-]+$/.test(interpreterPath) || segments.some((segment) => segment === '' || segment === '.' || segment === '..')) {
    throw new ArmRunnerError(
      'INVALID_REQUEST',
      `The interpreter path "${interpreterPath}" is not a plain absolute file path, so ARM Runner does not place QEMU there. Register the handler with the F flag instead.`,
    );
  }
}

/** Builds a tar whose entries are hard links from each path to the QEMU already placed at `target`. */
function hardLinkArchive(target: string, paths: string[]): Buffer {
  return packTar(paths.map((linkPath) => ({ header: { name: linkPath.slice(1), type: 'hardlink', linkname: target.slice(1), mode: 0o755 } })));
}

function splitTag(reference: string): [string, string] {
  const colon = reference.lastIndexOf(':');
  return [reference.slice(0, colon), reference.slice(colon + 1)];
}
