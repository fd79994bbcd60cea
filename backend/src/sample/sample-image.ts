import { existsSync } from 'node:fs';
import type { EngineClient } from '../engine/client.ts';
import { ArmRunnerError } from '../errors.ts';
import { engineStatusCode, fromEngineError } from '../engine/engine-errors.ts';
import { followProgress } from '../engine/streams.ts';

/** The built-in sample: a busybox web server built for linux/arm/v7. */
export const SAMPLE_IMAGE = 'arm-runner-sample:armv7';

/** Loads the sample image from its archive when the engine does not have it yet. */
export async function ensureSampleImage(docker: EngineClient, archivePath: string): Promise<string> {
  try {
    await docker.getImage(SAMPLE_IMAGE).inspect();
    return SAMPLE_IMAGE;
  } catch (error) {
    if (engineStatusCode(error) !== 404) {
      throw fromEngineError(error, `inspect ${SAMPLE_IMAGE}`);
    }
  }

  if (!existsSync(archivePath)) {
    throw new ArmRunnerError(
      'IMAGE_NOT_FOUND',
      `The sample image archive ${archivePath} is missing. Run "bash scripts/prepare-assets.sh" first, or set ARM_RUNNER_SAMPLE_ARCHIVE.`,
    );
  }
  try {
    await followProgress(await docker.loadImage({ filePath: archivePath }));
  } catch (error) {
    throw fromEngineError(error, `load the sample image from ${archivePath}`);
  }
  return SAMPLE_IMAGE;
}
