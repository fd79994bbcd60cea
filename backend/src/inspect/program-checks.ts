import type { InspectionFinding, PrivilegedFileList, ProgramResolution, ProgramStep } from '@arm-runner/contract';

/**
 * Turns the end of a program's resolution chain into findings: no command,
 * a missing or unusable file, a symlink loop, too many interpreters, an
 * unreadable or malformed ELF program, and a missing dynamic loader.
 */
export function checkProgram(program: ProgramResolution): InspectionFinding[] {
  if (program.program === null) {
    return [
      {
        code: 'no-command',
        severity: 'error',
        message:
          'The image sets neither ENTRYPOINT nor CMD, so a container from it has no program to start. ' +
          'Give a command when you run it, or add CMD to the image.',
      },
    ];
  }

  const last = program.steps[program.steps.length - 1];
  if (last === undefined) {
    return [];
  }
  if (last.kind === 'elf') {
    return [...checkElfRead(program, last), ...checkLoader(program)];
  }
  const failure = chainFailure(program.steps, last);
  return failure === null ? [] : [failure];
}

function chainFailure(steps: ProgramStep[], last: ProgramStep): InspectionFinding | null {
  const detail = last.detail ?? '';
  const context = scriptContext(steps);
  switch (last.kind) {
    case 'missing':
    case 'not-a-directory':
    case 'not-in-path':
      return {
        code: 'program-not-found',
        severity: 'error',
        message: `${context}${detail} Starting the container fails with "no such file or directory" or "executable file not found in $PATH". Add the file to the image, or change ENTRYPOINT or CMD.`,
        paths: [last.path],
      };
    case 'directory':
    case 'special-file':
    case 'not-executable':
    case 'unknown-format':
      return {
        code: 'program-not-runnable',
        severity: 'error',
        message: `${context}${detail}`,
        paths: [last.path],
      };
    case 'symlink-loop':
      return { code: 'symlink-loop', severity: 'error', message: `${context}${detail} Fix the links in the image.`, paths: [last.path] };
    case 'too-many-interpreters':
      return {
        code: 'too-many-interpreters',
        severity: 'error',
        message: `${detail} Let one of the scripts exec its interpreter's program directly.`,
        paths: [...new Set(steps.filter((step) => step.kind === 'script').map((step) => step.path))],
      };
    case 'unreadable':
      return {
        code: 'program-unreadable',
        severity: 'warning',
        message: `${detail} The program's architecture could not be checked.`,
        paths: [last.path],
      };
    default:
      return null;
  }
}

/** Names the script whose interpreter failed, when the failure lies past a `#!` line. */
function scriptContext(steps: ProgramStep[]): string {
  const script = [...steps].reverse().find((step) => step.kind === 'script');
  return script === undefined ? '' : `The script ${script.path} names the interpreter ${JSON.stringify(script.target)}. `;
}

function checkElfRead(program: ProgramResolution, last: ProgramStep): InspectionFinding[] {
  const path = last.path;
  if (program.elf === null) {
    return [
      {
        code: 'elf-malformed',
        severity: 'error',
        message: `${path} starts with the ELF magic bytes, but its ELF header is malformed or incomplete, so executing it fails with "exec format error". Rebuild or re-copy the file.`,
        paths: [path],
      },
    ];
  }
  if (program.elf.warnings.length === 0) {
    return [];
  }
  const warnings = program.elf.warnings.join(' ');
  if (program.elfReadLimited) {
    return [
      {
        code: 'elf-read-limited',
        severity: 'info',
        message: `Only the start of ${path} was read, because it is larger than the read limit. ${warnings}`,
        paths: [path],
      },
    ];
  }
  return [
    {
      code: 'elf-malformed',
      severity: 'warning',
      message: `Parts of ${path} could not be read, so some checks were skipped. ${warnings}`,
      paths: [path],
    },
  ];
}

function checkLoader(program: ProgramResolution): InspectionFinding[] {
  const loader = program.loader;
  const last = loader?.steps[loader.steps.length - 1];
  if (loader === null || last === undefined) {
    return [];
  }
  const elfPath = program.elfPath ?? program.program ?? '';
  const detail = last.detail ?? '';
  const paths = [elfPath, loader.path];

  if (last.kind === 'missing' || last.kind === 'not-a-directory' || last.kind === 'symlink-loop') {
    return [
      {
        code: 'loader-missing',
        severity: 'error',
        message:
          `${elfPath} is dynamically linked and needs the loader ${loader.path}, which the image does not contain. ${detail} ` +
          `Starting it fails with "no such file or directory" although ${elfPath} exists. ` +
          'Install the C library the program was built against (for example libc6 for Debian programs), or link the program statically.',
        paths,
      },
    ];
  }
  const usable = last.kind === 'unreadable' || (last.kind === 'elf' && loader.elf !== null);
  if (usable) {
    return [];
  }
  return [
    {
      code: 'loader-unusable',
      severity: 'error',
      message: `${elfPath} is dynamically linked and needs the loader ${loader.path}, which cannot run. ${detail}`.trim(),
      paths,
    },
  ];
}

/** Lists setuid and setgid files, which gain privileges under QEMU only when the binfmt_misc handler has the C flag. */
export function checkPrivilegedFiles(list: PrivilegedFileList): InspectionFinding[] {
  if (list.count === 0) {
    return [];
  }
  const paths = list.files.map((file) => file.path);
  const examples = paths.slice(0, 3).join(', ');
  const noun = list.count === 1 ? 'file' : 'files';
  return [
    {
      code: 'setuid-files',
      severity: 'info',
      message:
        `The image contains ${list.count} setuid or setgid ${noun} (${examples}${list.count > 3 ? ', …' : ''}). ` +
        'Under QEMU through binfmt_misc they gain their owner\'s privileges only when the handler has the C flag. ' +
        'Without it, programs such as su or sudo fail, for example with "su: must be suid to work properly".',
      paths,
    },
  ];
}
