import { IMAGE_NAME_MAX_LENGTH, checkImageReference, type ArmPlatform, type ImageReference } from '@arm-runner/contract';
import { ArmRunnerError } from '../errors.ts';

export type { ImageReference };

/** Parses and validates an image reference, or throws INVALID_IMAGE_REFERENCE. */
export function parseImageReference(reference: string): ImageReference {
  const checked = checkImageReference(reference);
  if (!checked.ok) {
    throw new ArmRunnerError(
      'INVALID_IMAGE_REFERENCE',
      `"${reference}" is not a valid image reference: ${checked.reason}. Use a form such as busybox:latest or registry.example:5000/team/app:1.0.`,
    );
  }
  return checked.reference;
}

export const AUGMENTED_REPOSITORY_PREFIX = 'arm-runner';

function platformSlug(platform: ArmPlatform): string {
  return platform.replaceAll('/', '-');
}

/**
 * Returns the augmented image's own tag. It names the source and the platform, for
 * example arm-runner/team/app:1.0-linux-arm-v7, and lives under its own
 * repository so that it never moves a tag the user owns.
 */
export function augmentedImageTag(reference: ImageReference, platform: ArmPlatform): string {
  const slug = platformSlug(platform);

  if (reference.imageId !== undefined) {
    const hex = reference.imageId.replace(/^sha256:/, '').slice(0, 12);
    return `${AUGMENTED_REPOSITORY_PREFIX}/image-${hex}:${slug}`;
  }

  const domainPart = reference.domain === undefined ? [] : [reference.domain.toLowerCase().replaceAll(':', '-')];
  // A cut at the length limit can end the name on a separator or a slash,
  // which the reference grammar rejects, so those are dropped.
  const repository = [AUGMENTED_REPOSITORY_PREFIX, ...domainPart, reference.path]
    .join('/')
    .slice(0, IMAGE_NAME_MAX_LENGTH)
    .replace(/[._/-]+$/, '');

  let base = reference.tag ?? 'latest';
  if (reference.digest !== undefined) {
    base = `${reference.tag === undefined ? '' : `${reference.tag}-`}${reference.digest.split(':')[1]?.slice(0, 12) ?? ''}`;
  }
  const maxBaseLength = 128 - slug.length - 1;
  return `${repository}:${base.slice(0, maxBaseLength)}-${slug}`;
}
