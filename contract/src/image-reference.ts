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

export type ImageReferenceCheck = { ok: true; reference: ImageReference } | { ok: false; reason: string };

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-f0-9]{32,}$/;
const IMAGE_ID = /^(?:sha256:)?[a-f0-9]{12,64}$/;

/** Docker's limit for the name part of a reference. */
export const IMAGE_NAME_MAX_LENGTH = 255;

/**
 * Checks an image reference against the distribution reference grammar
 * (name, optional tag, optional digest) or an image id. The UI checks as the
 * user types and the backend checks again at the edge.
 */
export function checkImageReference(input: string): ImageReferenceCheck {
  if (input.length === 0) {
    return { ok: false, reason: 'it is empty' };
  }
  if (IMAGE_ID.test(input)) {
    return { ok: true, reference: { path: '', imageId: input } };
  }
  // ".." as a whole part is never valid, so a path traversal gets its own reason.
  if (/(^|[/:@])\.\.([/:@]|$)/.test(input)) {
    return { ok: false, reason: 'it contains ".." as a path part, which no registry, repository name or tag may be' };
  }

  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) {
      return { ok: false, reason: `the digest "${digest}" is malformed` };
    }
  }

  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > rest.lastIndexOf('/')) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!TAG.test(tag)) {
      return { ok: false, reason: `the tag "${tag}" may contain only letters, digits, "_", "." and "-", up to 128 characters` };
    }
  }

  if (rest.length === 0 || rest.length > IMAGE_NAME_MAX_LENGTH) {
    return { ok: false, reason: `the name must have 1 to ${IMAGE_NAME_MAX_LENGTH} characters` };
  }

  const components = rest.split('/');
  let domain: string | undefined;
  const first = components[0] ?? '';
  if (components.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    domain = first;
    components.shift();
    if (!DOMAIN.test(domain)) {
      return { ok: false, reason: `the registry "${domain}" is malformed` };
    }
  }

  for (const component of components) {
    if (!PATH_COMPONENT.test(component)) {
      return { ok: false, reason: `"${component}" must be lowercase letters and digits, joined by ".", "_", "__" or "-"` };
    }
  }

  return {
    ok: true,
    reference: {
      ...(domain === undefined ? {} : { domain }),
      path: components.join('/'),
      ...(tag === undefined ? {} : { tag }),
      ...(digest === undefined ? {} : { digest }),
    },
  };
}
