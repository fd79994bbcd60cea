import type { Container, EngineClient } from '../engine/client.ts';
import type { ImageInspect } from '../engine/api-types.ts';
import type { ImageInspection } from '@arm-runner/contract';
import { ArmRunnerError } from '../errors.ts';
import { engineMessage, engineStatusCode, fromEngineError } from '../engine/engine-errors.ts';
import { LABELS, managedLabels } from '../engine/labels.ts';
import { logger } from '../log.ts';
import { readFirstArchiveFile } from './archive-file.ts';
import { indexArchive, type ArchiveIndex } from './archive-index.ts';
import type { FileContent, FileEntry, FileTree, ImageFiles } from './file-tree.ts';
import { collectFindings } from './findings.ts';
import { resolveProgram, type ImageCommandConfig } from './program-resolver.ts';

/** Maximum bytes read from one file of the image. Larger programs are read only up to this size. */
export const MAX_FILE_BYTES = 64 * 1024 * 1024;

export interface InspectImageOptions {
  /** Maximum bytes read from one file; MAX_FILE_BYTES when not given. */
  maxFileBytes?: number;
}

/**
 * Inspects an image's files without running anything. It creates a container
 * that is never started, reads the headers of its filesystem export, fetches
 * only the files on the way to the program, and removes the container again.
 * `image` is an image id or reference in the engine.
 */
export async function inspectImage(docker: EngineClient, image: string, options: InspectImageOptions = {}): Promise<ImageInspection> {
  const info = await inspectImageConfig(docker, image);
  const platform = { os: info.Os, architecture: info.Architecture, variant: (info as { Variant?: string }).Variant ?? null };
  const commandConfig: ImageCommandConfig = {
    entrypoint: asList(info.Config.Entrypoint),
    cmd: asList(info.Config.Cmd),
    env: info.Config.Env ?? null,
    workingDir: info.Config.WorkingDir === '' ? null : (info.Config.WorkingDir ?? null),
  };

  const container = await createInspectContainer(docker, info.Id, commandConfig);
  try {
    const index = await indexContainerFiles(container, image);
    const files = new ContainerFiles(index.tree, container, options.maxFileBytes ?? MAX_FILE_BYTES);
    const program = await resolveProgram(files, commandConfig);
    const privilegedFiles = index.privilegedFiles;
    return {
      imageId: info.Id,
      platform,
      user: info.Config.User ?? '',
      program,
      privilegedFiles,
      findings: collectFindings({ platform, program, privilegedFiles }),
    };
  } finally {
    await container.remove({ force: true }).catch((error: unknown) => {
      logger.warn({ event: 'inspect.remove-failed', containerId: container.id, err: error }, 'could not remove the inspection container');
    });
  }
}

async function inspectImageConfig(docker: EngineClient, image: string): Promise<ImageInspect> {
  try {
    return await docker.getImage(image).inspect();
  } catch (error) {
    if (engineStatusCode(error) === 404) {
      throw new ArmRunnerError('IMAGE_NOT_FOUND', `Image ${image} was not found in the engine. Check the name, or pull or load the image first.`);
    }
    throw fromEngineError(error, `inspect image ${image}`);
  }
}

async function createInspectContainer(docker: EngineClient, imageId: string, config: ImageCommandConfig): Promise<Container> {
  const hasCommand = (config.entrypoint?.length ?? 0) + (config.cmd?.length ?? 0) > 0;
  try {
    return await docker.createContainer({
      Image: imageId,
      // The engine rejects a container without a command. This one is never
      // started, so a placeholder is enough for an image that has none.
      ...(hasCommand ? {} : { Cmd: ['/arm-runner-inspect-placeholder'] }),
      Labels: { ...managedLabels('inspect'), [LABELS.sourceImageId]: imageId },
      NetworkDisabled: true,
      HostConfig: { NetworkMode: 'none' },
    });
  } catch (error) {
    throw fromEngineError(error, `create a container (never started) to read the files of image ${imageId}`);
  }
}

async function indexContainerFiles(container: Container, image: string): Promise<ArchiveIndex> {
  try {
    return await indexArchive(await container.export());
  } catch (error) {
    throw fromEngineError(error, `export the filesystem of image ${image}`);
  }
}

function asList(value: string | string[] | null | undefined): string[] | null {
  if (value === null || value === undefined) {
    return null;
  }
  return typeof value === 'string' ? [value] : value;
}

/** The image's files, seen through a container that is never started. */
class ContainerFiles implements ImageFiles {
  private readonly cache = new Map<string, FileContent>();

  constructor(
    private readonly tree: FileTree,
    private readonly container: Container,
    private readonly maxBytes: number,
  ) {}

  entry(path: string): FileEntry | undefined {
    return this.tree.entry(path);
  }

  async readFile(path: string): Promise<FileContent> {
    const cached = this.cache.get(path);
    if (cached !== undefined) {
      return cached;
    }
    let content: FileContent;
    try {
      content = await readFirstArchiveFile(await this.container.getArchive({ path }), this.maxBytes);
    } catch (error) {
      throw new Error(engineMessage(error));
    }
    this.cache.set(path, content);
    return content;
  }
}
