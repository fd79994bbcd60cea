import type { ApiError } from './errors.ts';
import type { Finding } from './findings.ts';
import type { ImageInspection } from './inspection.ts';
import type { ArmPlatform, QemuArch } from './platforms.ts';

/** One binfmt_misc entry as the kernel of the engine's host reports it. */
export interface BinfmtHandler {
  name: string;
  enabled: boolean;
  interpreter: string;
  /** Single-letter flags as registered, for example ['F'] or ['O', 'C', 'F']. */
  flags: string[];
  offset: number;
  /** Hex strings, as in the entry file. */
  magic: string;
  mask: string;
  /** The ARM platforms whose ELF headers this entry's magic and mask match. */
  matches: ArmPlatform[];
  /**
   * Program formats that the engine's CPU runs natively and that this entry
   * also matches, for example "x86-64 ELF". Such an entry sends native
   * programs through an emulator.
   */
  nativeFormats: string[];
}

/**
 * Verdict code: the way a platform runs on this engine.
 * - native: the engine's CPU runs it without emulation.
 * - host-handler: a handler with the F flag runs plain and augmented images alike.
 * - needs-qemu-in-image: a handler without F looks for its interpreter inside the
 *   container, so only the augmented image runs.
 * - cannot-run: no enabled handler matches, so neither image runs.
 */
export type VerdictCode = 'native' | 'host-handler' | 'needs-qemu-in-image' | 'cannot-run';

export interface PlatformVerdict {
  platform: ArmPlatform;
  code: VerdictCode;
  /** The handler the kernel will use, when there is one. */
  handler?: string;
  interpreter?: string;
  flags?: string[];
  /** One sentence for the user. */
  message: string;
  /** Steps that fix a cannot-run verdict or another problem. */
  fix?: string;
  warnings: Finding[];
  /** The probe program's result, when the platform was tested through the engine. */
  test?: VerdictTest;
}

/**
 * The outcome of a probe run.
 * - ran: the program ran and printed its machine name.
 * - exec-format-error: no handler matched, so the kernel could not run it.
 * - interpreter-missing: a handler without F found no interpreter in the container.
 * - wrong-emulator: the interpreter rejected the program as built for another CPU.
 * - emulator-crash: QEMU stopped on an uncaught signal.
 * - failed: anything else, with the output in detail.
 */
export type ProbeOutcome = 'ran' | 'exec-format-error' | 'interpreter-missing' | 'wrong-emulator' | 'emulator-crash' | 'failed';

export interface ProbeResult {
  outcome: ProbeOutcome;
  /** The machine name the program printed, for example armv7l. */
  machine: string | null;
  exitCode: number | null;
  /** The container's output or the engine's error when the program did not run. */
  detail?: string;
}

/** A tiny static ARM program, run once as a plain image and once with the bundled QEMU added. */
export interface VerdictTest {
  plain: ProbeResult;
  augmented: ProbeResult;
  testedAt: string;
}

export interface EngineInfo {
  os: string;
  /** Docker's architecture name, for example amd64 or arm64. */
  architecture: string;
  kernelVersion: string;
  serverVersion: string;
  apiVersion: string;
}

export interface QemuBundleInfo {
  arch: QemuArch;
  /** Path of the interpreter inside the augmented image. */
  interpreterPath: string;
  version: string;
  sha256: string;
}

export interface StatusResponse {
  engine: EngineInfo;
  binfmt: {
    /** False when binfmt_misc is switched off as a whole (its status file reads disabled). */
    enabled: boolean;
    handlers: BinfmtHandler[];
  };
  platforms: PlatformVerdict[];
  qemu: QemuBundleInfo[];
  /** Findings about the handler table as a whole, such as handlers for native formats. */
  warnings: Finding[];
}

export type EmulationMode = 'native' | 'host-handler' | 'in-image';

/** Evidence of how a run is emulated, read from the running container. */
export interface RunEmulation {
  /** Output of `uname -m` inside the container, or null when it could not run. */
  machine: string | null;
  /** The first word of the main process's command line in the container's process list. */
  interpreter: string | null;
  /** The binfmt_misc handler that matches the image's platform. */
  handler: string | null;
  handlerFlags: string[];
  mode: EmulationMode;
  /** True when the kernel loads QEMU from inside the image (handler without F). */
  inImageQemuUsed: boolean;
  qemuVersion: string | null;
}

export interface PublishedPort {
  containerPort: number;
  protocol: 'tcp' | 'udp';
  hostIp: string;
  hostPort: number;
}

export interface RunInfo {
  /** The container id's first 12 characters, as docker ps shows it. */
  id: string;
  containerId: string;
  name: string;
  /** The image reference the user asked for. */
  image: string;
  sourceImageId: string;
  platform: ArmPlatform;
  augmentedImage: string;
  state: string;
  createdAt: string;
  ports: PublishedPort[];
  endpoints: string[];
  exposeOnLan: boolean;
}

export interface RunResult extends RunInfo {
  emulation: RunEmulation;
  /** The platform's verdict at the time of the run. */
  verdict: PlatformVerdict;
  /** True when an existing augmented image was reused instead of built. */
  reusedAugmentedImage: boolean;
  warnings: Finding[];
}

/** One run as `GET /runs/{id}` returns it: fresh evidence while it is running. */
export interface RunDetails extends RunInfo {
  emulation?: RunEmulation;
  verdict?: PlatformVerdict;
  warnings: Finding[];
}

export interface AugmentResult {
  augmentedImage: string;
  augmentedImageId: string;
  sourceImageId: string;
  platform: ArmPlatform;
  qemuVersion: string;
  reused: boolean;
}

/** A local ARM image the user can pick. */
export interface LocalImage {
  reference: string;
  id: string;
  platform: ArmPlatform;
  exposedPorts: { containerPort: number; protocol: 'tcp' | 'udp' }[];
  createdAt: string;
}

/** One platform pulled from a registry without creating or moving a tag. */
export interface PullResult {
  /** The reference the user gave, for example 127.0.0.1:5000/team/app:1.0. */
  reference: string;
  platform: ArmPlatform;
  imageId: string;
  /**
   * The reference the engine recorded for the pulled image, repository@sha256:…,
   * with the digest of that platform's own manifest. When the backend could not
   * read the index, it has the index digest instead, and `warnings` reports that.
   */
  digestReference: string;
  /** The digest of the multi-arch index the platform was picked from. It is absent for a single-platform image. */
  indexDigest?: string;
  /** The platforms the registry offers for the reference, as os/architecture/variant. */
  offeredPlatforms: string[];
  /** The image's os/architecture/variant as the engine reports it after the pull. */
  resolvedPlatform: string;
  warnings: Finding[];
}

/** Outcome of a handler registration for one emulator. */
export interface HandlerRegistration {
  arch: QemuArch;
  name: string;
  outcome: 'registered' | 'replaced' | 'already-registered' | 'removed' | 'not-registered';
}

export type TaskState = 'pending' | 'running' | 'succeeded' | 'failed';

export interface TaskInfo<Result = unknown> {
  id: string;
  kind: 'run' | 'augment' | 'pull';
  state: TaskState;
  /** The step in progress, in words. */
  step: string;
  /** The last lines of the task's log. */
  log: string[];
  createdAt: string;
  updatedAt: string;
  /** A run's first endpoint, set as soon as it responds to HTTP, while the emulation evidence is still being read. */
  endpoint?: string;
  result?: Result;
  error?: ApiError;
}

export interface TaskAccepted {
  taskId: string;
}

/** The result of checking an image's files, made before anything runs. */
export interface ImageCheck {
  reference: string;
  imageId: string;
  platform: ArmPlatform;
  inspection: ImageInspection;
  /** The platform's verdict on this engine now. */
  verdict: PlatformVerdict;
  /** The inspection's findings as a run would report them, with the handler taken into account. */
  findings: Finding[];
  /** Set when a run of this image would be refused before starting, with the reason. */
  blocking?: ApiError;
}

/** One container or image that a cleanup lists or removed. */
export interface CleanupItem {
  id: string;
  name: string;
  /** For a run, its image and state; for an image, its role. */
  detail: string;
  outcome?: 'removed' | 'kept';
  /** The reason an item was kept. */
  reason?: string;
}

/** The containers and images a cleanup removes. Only items with ARM Runner's labels are listed. */
export interface CleanupPlan {
  runs: CleanupItem[];
  images: CleanupItem[];
}
