// Result of inspecting an image's files without running it: the program its
// entrypoint and command start, that program's ELF details, the image's setuid
// and setgid files, and findings that explain emulation failures.

/** A number read from a file together with its standard name. */
export interface NamedValue {
  value: number;
  /** The standard name, or "unknown (N)" for a value outside the known table. */
  name: string;
}

export type ElfEndianness = 'little' | 'big';

/**
 * Linkage of an ELF program.
 * - static: ET_EXEC with no PT_INTERP.
 * - static-pie: ET_DYN with no PT_INTERP, loaded by the kernel at a random address.
 * - dynamic: a PT_INTERP program header names a dynamic loader.
 * - unknown: the program headers could not be read.
 */
export type ElfLinkage = 'static' | 'static-pie' | 'dynamic' | 'unknown';

/** Float ABI from an ARM ELF header's e_flags. */
export type ArmFloatAbi = 'hard' | 'soft' | 'unspecified';

/** Fields of a 32-bit ARM ELF header's e_flags. */
export interface ArmElfFlags {
  /** EABI version from the top byte of e_flags; 0 means a pre-EABI (legacy) program. */
  eabiVersion: number;
  floatAbi: ArmFloatAbi;
}

/** File-scope build attributes from the "aeabi" subsection of a 32-bit ARM program's .ARM.attributes section. */
export interface ArmBuildAttributes {
  /** Tag_CPU_name (5), for example "7-A" or "5TE". */
  cpuName: string | null;
  /** Tag_CPU_arch (6): the architecture version the code was built for. */
  cpuArch: NamedValue | null;
  /** Tag_CPU_arch_profile (7): Application, Real-time, Microcontroller or Classic. */
  cpuArchProfile: string | null;
  /** Tag_FP_arch (10): the floating-point unit the code uses, for example VFPv3. */
  fpArch: NamedValue | null;
  /** Tag_Advanced_SIMD_arch (12): the NEON version the code uses. */
  advancedSimdArch: NamedValue | null;
}

/** Facts from an ELF file's header, program headers and sections. */
export interface ElfDetails {
  elfClass: 32 | 64;
  endianness: ElfEndianness;
  /** e_ident[EI_OSABI]. */
  osAbi: NamedValue;
  /** e_ident[EI_ABIVERSION]. */
  abiVersion: number;
  /** e_type, for example 2 (executable) or 3 (shared object). */
  type: NamedValue;
  /** e_machine, for example 40 (ARM) or 183 (AArch64). */
  machine: NamedValue;
  /** e_flags as a number. */
  flags: number;
  /** Decoded e_flags for 32-bit ARM programs, otherwise null. */
  arm: ArmElfFlags | null;
  /** The dynamic loader's path from PT_INTERP, or null when the program has none. */
  interpreter: string | null;
  linkage: ElfLinkage;
  /** Build attributes for 32-bit ARM programs that have a readable .ARM.attributes section. */
  armAttributes: ArmBuildAttributes | null;
  /** Parts of the file that could not be read, each in one sentence. Empty for a well-formed file. */
  warnings: string[];
}

/**
 * Kind of one step on the way from a command to the program the kernel runs.
 * - path-lookup: a bare command name was found in a PATH directory.
 * - symlink: a symbolic link was followed (also for directories on the way).
 * - hardlink: a hard link names the same file as another path.
 * - script: a `#!` line names an interpreter, which runs next.
 * - elf: the ELF program the kernel loads.
 * The remaining kinds end the chain with a failure. The file is missing, is
 * not in PATH, or is a directory or another non-regular file. Or it has no
 * execute bit, or is neither ELF nor a script. The last three kinds are a
 * symbolic link loop, interpreters nested deeper than the kernel allows, and a
 * file that could not be read.
 */
export type ProgramStepKind =
  | 'path-lookup'
  | 'symlink'
  | 'hardlink'
  | 'script'
  | 'elf'
  | 'missing'
  | 'not-in-path'
  | 'not-a-directory'
  | 'directory'
  | 'special-file'
  | 'not-executable'
  | 'unknown-format'
  | 'symlink-loop'
  | 'too-many-interpreters'
  | 'unreadable';

export interface ProgramStep {
  kind: ProgramStepKind;
  /** Absolute path in the image, or the bare command name for not-in-path. */
  path: string;
  /** Symlink target as stored, hard link target, script interpreter, or the path found in PATH. */
  target?: string;
  /** The optional argument after the interpreter on a `#!` line. */
  argument?: string;
  /** One sentence that explains a failure step. */
  detail?: string;
}

/** The dynamic loader named by a program's PT_INTERP, looked up in the image. */
export interface LoaderResolution {
  /** The path as PT_INTERP stores it. */
  path: string;
  /** The loader's real path after following symbolic links, or null when it is missing. */
  resolvedPath: string | null;
  steps: ProgramStep[];
  elf: ElfDetails | null;
}

/** The program the kernel would execute for an image's entrypoint and command. */
export interface ProgramResolution {
  /** The container's argv: Entrypoint followed by Cmd. */
  command: string[];
  /** argv[0], or null when the image has neither Entrypoint nor Cmd. */
  program: string | null;
  steps: ProgramStep[];
  /** The real path of the ELF program at the end of the chain, when the chain reaches one. */
  elfPath: string | null;
  /** Details of that ELF program, or null when there is none or its header is malformed. */
  elf: ElfDetails | null;
  /** True when only the first part of the ELF program was read, because it is larger than the read limit. */
  elfReadLimited: boolean;
  loader: LoaderResolution | null;
}

/** A regular file with the setuid (04000) or setgid (02000) bit. */
export interface PrivilegedFile {
  path: string;
  /** Permission bits including setuid, setgid and sticky, for example 0o4755. */
  mode: number;
  setuid: boolean;
  setgid: boolean;
}

export interface PrivilegedFileList {
  /** How many setuid or setgid files the image contains. */
  count: number;
  /** The first files found, in archive order, up to a fixed limit. */
  files: PrivilegedFile[];
}

export type InspectionFindingCode =
  | 'no-command'
  | 'program-not-found'
  | 'program-not-runnable'
  | 'symlink-loop'
  | 'too-many-interpreters'
  | 'program-unreadable'
  | 'elf-malformed'
  | 'elf-read-limited'
  | 'architecture-mismatch'
  | 'cpu-too-new-for-armv6'
  | 'cpu-too-new-for-armv7'
  | 'cpu-arch-unknown'
  | 'loader-missing'
  | 'loader-unusable'
  | 'setuid-files';

export type FindingSeverity = 'error' | 'warning' | 'info';

export interface InspectionFinding {
  code: InspectionFindingCode;
  severity: FindingSeverity;
  /** Plain sentences that state what is wrong and what to do. */
  message: string;
  /** Image paths the finding is about. */
  paths?: string[];
}

/** The os, architecture and variant that an image's config claims. */
export interface ImageConfigPlatform {
  os: string;
  architecture: string;
  variant: string | null;
}

export interface ImageInspection {
  imageId: string;
  platform: ImageConfigPlatform;
  /** The config's User, or an empty string for root. */
  user: string;
  program: ProgramResolution;
  privilegedFiles: PrivilegedFileList;
  findings: InspectionFinding[];
}
