import type { ArmPlatform } from '@arm-runner/contract';
import { ArmRunnerError } from '../errors.ts';

/** An image reference split per the distribution reference grammar. */
export interface ImageReference {
  domain?: string;
  /** Repository path without the domain, for example library/busybox. */
  path: string;
  tag?: string;
  digest?: string;
  /** Set when the reference is an image id (sha256:… or a hex prefix). */
  imageId?: string;
}

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-f0-9]{32,}$/;
const IMAGE_ID = /^(?:sha256:)?[a-f0-9]{12,64}$/;
const NAME_MAX_LENGTH = 255;

function invalid(reference: string, reason: string): ArmRunnerError {
  return new ArmRunnerError(
    'INVALID_IMAGE_REFERENCE',
    `"${reference}" is not a valid image reference: ${reason}. Use a form such as busybox:latest or registry.example:5000/team/app:1.0.`,
  );
}

/** Parses and validates an image reference, or throws INVALID_IMAGE_REFERENCE. */
export function parseImageReference(reference: string): ImageReference {
  if (reference.length === 0) {
    throw invalid(reference, 'it is empty');
  }
  if (IMAGE_ID.test(reference)) {
    return { path: '', imageId: reference };
  }

  let rest = reference;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) {
      throw invalid(reference, `the digest "${digest}" is malformed`);
    }
  }

  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > rest.lastIndexOf('/')) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!TAG.test(tag)) {
      throw invalid(reference, `the tag "${tag}" may contain only letters, digits, "_", "." and "-", up to 128 characters`);
    }
  }

  if (rest.length === 0 || rest.length > NAME_MAX_LENGTH) {
    throw invalid(reference, `the name must have 1 to ${NAME_MAX_LENGTH} characters`);
  }

  const components = rest.split('/');
  let domain: string | undefined;
  const first = components[0] ?? '';
  if (components.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    domain = first;
    components.shift();
    if (!DOMAIN.test(domain)) {
      throw invalid(reference, `the registry "${domain}" is malformed`);
    }
  }

  for (const component of components) {
    if (!PATH_COMPONENT.test(component)) {
      throw invalid(reference, `"${component}" must be lowercase letters and digits, joined by ".", "_", "__" or "-"`);
    }
  }

  return {
    ...(domain === undefined ? {} : { domain }),
    path: components.join('/'),
    ...(tag === undefined ? {} : { tag }),
    ...(digest === undefined ? {} : { digest }),
  };
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
  const repository = [AUGMENTED_REPOSITORY_PREFIX, ...domainPart, reference.path].join('/').slice(0, NAME_MAX_LENGTH);

  let base = reference.tag ?? 'latest';
  if (reference.digest !== undefined) {
    base = `${reference.tag === undefined ? '' : `${reference.tag}-`}${reference.digest.split(':')[1]?.slice(0, 12) ?? ''}`;
  }
  const maxBaseLength = 128 - slug.length - 1;
  return `${repository}:${base.slice(0, maxBaseLength)}-${slug}`;
}
