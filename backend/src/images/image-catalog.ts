import type { EngineClient } from '../engine/client.ts';
import type { ImageSummary } from '../engine/api-types.ts';
import type { LocalImage } from '@arm-runner/contract';
import { fromEngineError } from '../engine/engine-errors.ts';
import { LABELS } from '../engine/labels.ts';
import { classifyImagePlatform } from '../emulation/platform.ts';
import { parseExposedPorts } from '../runs/ports.ts';
import { compareText } from '../ordering.ts';

/**
 * Lists the engine's tagged ARM images, one entry per tag, for the image
 * field's suggestions. ARM Runner's own images (augmented and helper) are left
 * out, because they are not what a user picks.
 */
export async function listArmImages(docker: EngineClient, engineArchitecture: string): Promise<LocalImage[]> {
  let summaries: ImageSummary[];
  try {
    summaries = await docker.listImages();
  } catch (error) {
    throw fromEngineError(error, 'list local images');
  }

  const images: LocalImage[] = [];
  for (const summary of summaries) {
    const tags = (summary.RepoTags ?? []).filter((tag) => tag !== '<none>:<none>');
    if (tags.length === 0 || summary.Labels?.[LABELS.managed] === 'true') {
      continue;
    }

    // The list omits the platform, so each image is inspected once.
    const inspect = await docker.getImage(summary.Id).inspect();
    const variant = (inspect as { Variant?: string }).Variant;
    const classified = classifyImagePlatform(inspect.Os, inspect.Architecture, variant, engineArchitecture);
    if (classified.kind !== 'arm') {
      continue;
    }
    for (const reference of tags) {
      images.push({
        reference,
        id: summary.Id,
        platform: classified.platform,
        exposedPorts: parseExposedPorts(inspect.Config.ExposedPorts).map(({ port, protocol }) => ({ containerPort: port, protocol })),
        createdAt: new Date(summary.Created * 1000).toISOString(),
      });
    }
  }
  return images.sort((left, right) => compareText(left.reference, right.reference));
}
