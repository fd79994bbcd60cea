import type { ElfDetails, LoaderResolution, ProgramResolution, ProgramStep } from '@arm-runner/contract';
import { readElfDetails } from './elf-details.ts';
import { normalizeImagePath, type FileEntry, type ImageFiles } from './file-tree.ts';
import { walkPath } from './path-walk.ts';
import { parseShebang } from './shebang.ts';

/** The image config fields that decide which program a container starts. */
export interface ImageCommandConfig {
  entrypoint: string[] | null;
  cmd: string[] | null;
  /** Environment entries in NAME=value form. */
  env: string[] | null;
  workingDir: string | null;
}

/** The PATH Docker gives a container whose image sets none. */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * Maximum number of `#!` scripts in one chain. Linux's exec code allows 4
 * levels of binary format rewrites, one for each script, and then fails with
 * ELOOP.
 */
export const MAX_INTERPRETER_DEPTH = 4;

// NOTE: under emulation the binfmt_misc handler that starts QEMU is one more
// rewrite level, so a chain that is exactly at this limit may still fail with
// ELOOP on an x86 host. The exact count also differs between kernel versions.

const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];

/**
 * Resolves the program the kernel would execute for an image's entrypoint
 * and command, without running anything. It looks a bare name up in PATH,
 * follows symlinks and hard links, and runs through `#!` interpreters to the
 * ELF program at the end, whose details and dynamic loader it reads. A missing
 * or unusable file ends the chain with a failure step instead of an exception.
 */
export async function resolveProgram(files: ImageFiles, config: ImageCommandConfig): Promise<ProgramResolution> {
  const command = [...(config.entrypoint ?? []), ...(config.cmd ?? [])];
  const resolution: ProgramResolution = {
    command,
    program: command[0] ?? null,
    steps: [],
    elfPath: null,
    elf: null,
    elfReadLimited: false,
    loader: null,
  };
  if (resolution.program === null) {
    return resolution;
  }

  const cwd = config.workingDir === null || config.workingDir === '' ? '/' : config.workingDir;
  let current = resolution.program;
  if (!current.includes('/')) {
    const found = lookUpInPath(files, current, pathVariable(config.env), cwd);
    if (found === null) {
      resolution.steps.push({
        kind: 'not-in-path',
        path: current,
        detail: `No executable file named "${current}" exists in the PATH directories ${pathVariable(config.env)}.`,
      });
      return resolution;
    }
    resolution.steps.push({ kind: 'path-lookup', path: current, target: found });
    current = found;
  }

  for (let depth = 0; ; depth += 1) {
    const file = openExecutable(files, current, cwd, resolution.steps);
    if (file === null) {
      return resolution;
    }
    const content = await readContent(files, file.path, resolution.steps);
    if (content === null) {
      return resolution;
    }

    if (startsWithElfMagic(content.bytes)) {
      resolution.elf = readElfDetails(content.bytes);
      resolution.steps.push(elfStep(file.path, resolution.elf));
      resolution.elfPath = file.path;
      resolution.elfReadLimited = content.truncated;
      if (resolution.elf?.interpreter != null) {
        resolution.loader = await resolveLoader(files, resolution.elf.interpreter, cwd);
      }
      return resolution;
    }

    const shebang = parseShebang(content.bytes);
    if (shebang.kind !== 'script') {
      const reason = shebang.kind === 'invalid' ? `${shebang.reason} ` : '';
      resolution.steps.push({
        kind: 'unknown-format',
        path: file.path,
        detail: `${file.path} is neither an ELF program nor a #! script. ${reason}Executing it fails with "exec format error".`,
      });
      return resolution;
    }

    const step: ProgramStep = { kind: 'script', path: file.path, target: shebang.interpreter };
    if (shebang.argument !== null) {
      step.argument = shebang.argument;
    }
    resolution.steps.push(step);
    if (depth + 1 > MAX_INTERPRETER_DEPTH) {
      resolution.steps.push({
        kind: 'too-many-interpreters',
        path: shebang.interpreter,
        detail: `The chain of #! interpreters is deeper than the ${MAX_INTERPRETER_DEPTH} levels Linux allows, so exec fails with "too many levels of symbolic links" (ELOOP).`,
      });
      return resolution;
    }
    current = shebang.interpreter;
  }
}

function pathVariable(env: string[] | null): string {
  const entry = env?.find((item) => item.startsWith('PATH='));
  return entry === undefined ? DEFAULT_PATH : entry.slice('PATH='.length);
}

/**
 * Finds a bare command name in PATH as the container runtime does (Go's
 * exec.LookPath): the first directory with a non-directory file of that name
 * that has an execute bit wins. An empty PATH element means the working
 * directory. Returns the absolute path found, or null.
 */
function lookUpInPath(files: ImageFiles, name: string, path: string, cwd: string): string | null {
  for (const directory of path.split(':')) {
    const base = directory === '' ? cwd : directory;
    const candidate = base.endsWith('/') ? `${base}${name}` : `${base}/${name}`;
    const walk = walkPath(files, candidate, cwd);
    if (!walk.ok) {
      continue;
    }
    const entry = walk.entry.type === 'hardlink' ? files.entry(walk.entry.linkTarget ?? '') : walk.entry;
    if (entry !== undefined && entry.type === 'file' && (entry.mode & 0o111) !== 0) {
      return candidate.startsWith('/') ? candidate : normalizeImagePath(`${cwd}/${candidate}`);
    }
  }
  return null;
}

/**
 * Follows a path to a regular file with an execute bit, as execve needs it.
 * Records every step and returns null after a failure step.
 */
function openExecutable(files: ImageFiles, path: string, cwd: string, steps: ProgramStep[]): { path: string; entry: FileEntry } | null {
  const walk = walkPath(files, path, cwd);
  steps.push(...walk.steps);
  if (!walk.ok) {
    if (path.endsWith('\r')) {
      const last = steps[steps.length - 1];
      if (last !== undefined) {
        last.detail = `${last.detail ?? ''} The path ends with a carriage return, which a #! line with a Windows (CRLF) line ending produces. Convert the script to Unix line endings.`.trim();
      }
    }
    return null;
  }

  let realPath = walk.path;
  let entry = walk.entry;
  if (entry.type === 'hardlink') {
    const target = entry.linkTarget ?? '';
    steps.push({ kind: 'hardlink', path: realPath, target });
    const targetEntry = files.entry(target);
    if (targetEntry === undefined) {
      steps.push({ kind: 'missing', path: target, detail: `${realPath} is a hard link to ${target}, which the image does not contain.` });
      return null;
    }
    realPath = target;
    entry = targetEntry;
  }

  if (entry.type === 'directory') {
    steps.push({ kind: 'directory', path: realPath, detail: `${realPath} is a directory, so executing it fails with "permission denied".` });
    return null;
  }
  if (entry.type !== 'file') {
    steps.push({ kind: 'special-file', path: realPath, detail: `${realPath} is not a regular file, so executing it fails with "permission denied".` });
    return null;
  }
  if ((entry.mode & 0o111) === 0) {
    const mode = (entry.mode & 0o7777).toString(8).padStart(4, '0');
    steps.push({
      kind: 'not-executable',
      path: realPath,
      detail: `${realPath} has mode ${mode} with no execute bit, so executing it fails with "permission denied". Add one with chmod +x when building the image.`,
    });
    return null;
  }
  return { path: realPath, entry };
}

async function readContent(files: ImageFiles, path: string, steps: ProgramStep[]): Promise<{ bytes: Uint8Array; truncated: boolean } | null> {
  try {
    return await files.readFile(path);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    steps.push({ kind: 'unreadable', path, detail: `Reading ${path} from the image failed: ${reason}` });
    return null;
  }
}

function startsWithElfMagic(bytes: Uint8Array): boolean {
  return ELF_MAGIC.every((byte, index) => bytes[index] === byte);
}

function elfStep(path: string, elf: ElfDetails | null): ProgramStep {
  return elf === null
    ? { kind: 'elf', path, detail: `${path} starts like an ELF file, but its ELF header is malformed or incomplete.` }
    : { kind: 'elf', path };
}

/** Looks up the dynamic loader named by PT_INTERP and reads its ELF header. */
async function resolveLoader(files: ImageFiles, loaderPath: string, cwd: string): Promise<LoaderResolution> {
  const loader: LoaderResolution = { path: loaderPath, resolvedPath: null, steps: [], elf: null };
  const file = openExecutable(files, loaderPath, cwd, loader.steps);
  if (file === null) {
    return loader;
  }
  loader.resolvedPath = file.path;
  const content = await readContent(files, file.path, loader.steps);
  if (content === null) {
    return loader;
  }
  if (!startsWithElfMagic(content.bytes)) {
    loader.steps.push({
      kind: 'unknown-format',
      path: file.path,
      detail: `The dynamic loader ${file.path} is not an ELF file, so the program fails to start.`,
    });
    return loader;
  }
  loader.elf = readElfDetails(content.bytes);
  loader.steps.push(elfStep(file.path, loader.elf));
  return loader;
}
