import { z } from 'zod';

// Docker's own limit for a full image reference is 255 characters for the
// name, plus a tag or digest. Anything longer is rejected before parsing.
const IMAGE_REFERENCE_MAX_LENGTH = 512;

const imageReference = z
  .string()
  .trim()
  .min(1, 'Image reference is empty.')
  .max(IMAGE_REFERENCE_MAX_LENGTH, `Image reference is longer than ${IMAGE_REFERENCE_MAX_LENGTH} characters.`);

const platform = z.string().trim().min(1).max(64);

const portNumber = z.number().int().min(1).max(65535);

export const PortMappingSchema = z
  .object({
    /** Host port; omitted or 0 lets the engine pick a free port of 1024 or more. */
    hostPort: z.number().int().min(0).max(65535).optional(),
    containerPort: portNumber,
    protocol: z.enum(['tcp', 'udp']).default('tcp'),
  })
  .strict();

export const RunRequestSchema = z
  .object({
    image: imageReference,
    /** An ARM platform such as linux/arm/v7. Defaults to the image's own platform. */
    platform: platform.optional(),
    /** Explicit mappings. Exposed ports without a mapping still get a free host port. */
    publish: z.array(PortMappingSchema).max(64).default([]),
    /** Publish on all host interfaces instead of 127.0.0.1. */
    exposeOnLan: z.boolean().default(false),
    /** Maximum wait for the first endpoint to respond to HTTP, in seconds. */
    waitSeconds: z.number().int().min(1).max(600).default(60),
  })
  .strict();

export const AugmentRequestSchema = z
  .object({
    image: imageReference,
    platform: platform.optional(),
  })
  .strict();

export const PullRequestSchema = z
  .object({
    image: imageReference,
    /** The ARM platform to pull, such as linux/arm/v7. Required, because the engine's default is its own platform. */
    platform,
  })
  .strict();

export const HandlerInstallRequestSchema = z
  .object({
    /** QEMU emulators whose binfmt_misc handlers to register. */
    arches: z.array(z.enum(['arm', 'aarch64'])).min(1).max(2),
    /** binfmt_misc flags, letters from P, O, C and F; "" for none. */
    flags: z.string().regex(/^[POCF]*$/, 'Use letters from P, O, C and F.').max(4).default('F'),
  })
  .strict();

export const StatusQuerySchema = z
  .object({
    /** "true" runs the test program again instead of using cached results. */
    refresh: z.enum(['true', 'false']).default('false'),
  })
  .strict();

export const CleanupRequestSchema = z
  .object({
    /** Remove ARM Runner's runs (their containers). */
    runs: z.boolean().default(false),
    /** Remove the augmented, probe and helper images ARM Runner made. */
    images: z.boolean().default(false),
  })
  .strict();

export const LogsQuerySchema = z
  .object({
    tail: z.coerce.number().int().min(1).max(10_000).default(200),
  })
  .strict();

export type PortMapping = z.input<typeof PortMappingSchema>;
export type HandlerInstallRequest = z.input<typeof HandlerInstallRequestSchema>;
export type CleanupRequest = z.output<typeof CleanupRequestSchema>;
export type RunRequest = z.input<typeof RunRequestSchema>;
export type ParsedRunRequest = z.output<typeof RunRequestSchema>;
export type AugmentRequest = z.input<typeof AugmentRequestSchema>;
export type ParsedAugmentRequest = z.output<typeof AugmentRequestSchema>;
export type PullRequest = z.input<typeof PullRequestSchema>;
