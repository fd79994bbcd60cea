import type { QemuArch } from './platforms.ts';
import { array, boolean, number, oneOf, optional, strictObject, string, withDefault } from './schema.ts';

// Docker's own limit for a full image reference is 255 characters for the
// name, plus a tag or digest. Anything longer is rejected before parsing.
const IMAGE_REFERENCE_MAX_LENGTH = 512;

const imageReference = string({
  trim: true,
  min: 1,
  max: IMAGE_REFERENCE_MAX_LENGTH,
  messages: { min: 'Image reference is empty.', max: `Image reference is longer than ${IMAGE_REFERENCE_MAX_LENGTH} characters.` },
});

const platform = string({ trim: true, min: 1, max: 64 });

const qemuArch = oneOf(['arm', 'aarch64'] as const satisfies readonly QemuArch[]);

/** A published port as clients send it. */
export interface PortMapping {
  /** Host port; omitted or 0 lets the engine pick a free port of 1024 or more. */
  hostPort?: number;
  containerPort: number;
  /** Defaults to tcp. */
  protocol?: 'tcp' | 'udp';
}

/** A published port after validation, with its protocol filled in. */
export interface ParsedPortMapping extends PortMapping {
  protocol: 'tcp' | 'udp';
}

export const PortMappingSchema = strictObject<ParsedPortMapping>({
  hostPort: optional(number({ integer: true, min: 0, max: 65535 })),
  containerPort: number({ integer: true, min: 1, max: 65535 }),
  protocol: withDefault(oneOf(['tcp', 'udp']), 'tcp'),
});

export interface RunRequest {
  image: string;
  /** An ARM platform such as linux/arm/v7. Defaults to the image's own platform. */
  platform?: string;
  /** Explicit mappings. Exposed ports without a mapping still get a free host port. Defaults to []. */
  publish?: PortMapping[];
  /** Publish on all host interfaces instead of 127.0.0.1. Defaults to false. */
  exposeOnLan?: boolean;
  /** Maximum wait for the first endpoint to respond to HTTP, in seconds, from 1 to 600. Defaults to 60. */
  waitSeconds?: number;
}

export interface ParsedRunRequest extends RunRequest {
  publish: ParsedPortMapping[];
  exposeOnLan: boolean;
  waitSeconds: number;
}

export const RunRequestSchema = strictObject<ParsedRunRequest>({
  image: imageReference,
  platform: optional(platform),
  publish: withDefault(array(PortMappingSchema, { max: 64 }), []),
  exposeOnLan: withDefault(boolean(), false),
  waitSeconds: withDefault(number({ integer: true, min: 1, max: 600 }), 60),
});

export interface AugmentRequest {
  image: string;
  platform?: string;
}

export type ParsedAugmentRequest = AugmentRequest;

export const AugmentRequestSchema = strictObject<ParsedAugmentRequest>({
  image: imageReference,
  platform: optional(platform),
});

export interface PullRequest {
  image: string;
  /** The ARM platform to pull, such as linux/arm/v7. Required, because the engine's default is its own platform. */
  platform: string;
}

export const PullRequestSchema = strictObject<PullRequest>({
  image: imageReference,
  platform,
});

export interface HandlerInstallRequest {
  /** QEMU emulators whose binfmt_misc handlers to register. */
  arches: QemuArch[];
  /** binfmt_misc flags, letters from P, O, C and F; "" for none. Defaults to "F". */
  flags?: string;
}

export interface ParsedHandlerInstallRequest extends HandlerInstallRequest {
  flags: string;
}

export const HandlerInstallRequestSchema = strictObject<ParsedHandlerInstallRequest>({
  arches: array(qemuArch, { min: 1, max: 2 }),
  flags: withDefault(string({ max: 4, pattern: /^[POCF]*$/, messages: { pattern: 'Use letters from P, O, C and F.' } }), 'F'),
});

export interface StatusQuery {
  /** "true" runs the test program again instead of using cached results. */
  refresh: 'true' | 'false';
}

export const StatusQuerySchema = strictObject<StatusQuery>({
  refresh: withDefault(oneOf(['true', 'false']), 'false'),
});

export interface CleanupRequest {
  /** Remove ARM Runner's runs (their containers). */
  runs: boolean;
  /** Remove the augmented, probe and helper images ARM Runner made. */
  images: boolean;
}

export const CleanupRequestSchema = strictObject<CleanupRequest>({
  runs: withDefault(boolean(), false),
  images: withDefault(boolean(), false),
});

export interface LogsQuery {
  tail: number;
}

export const LogsQuerySchema = strictObject<LogsQuery>({
  tail: withDefault(number({ integer: true, min: 1, max: 10_000, fromString: true }), 200),
});

export interface HandlerParams {
  arch: QemuArch;
}

export const HandlerParamsSchema = strictObject<HandlerParams>({ arch: qemuArch });

export interface IdParams {
  id: string;
}

export const IdParamsSchema = strictObject<IdParams>({ id: string({ min: 1, max: 128 }) });
