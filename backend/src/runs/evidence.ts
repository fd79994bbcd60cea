import type { Container } from '../engine/client.ts';
import { demuxDockerStream } from '../engine/streams.ts';
import { logger } from '../log.ts';

const EXEC_TIMEOUT_MS = 10_000;

/** Runs a command in a running container and returns its exit code and output. */
export async function execInContainer(
  container: Container,
  command: string[],
): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  const exec = await container.exec({ Cmd: command, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start();

  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      stream.destroy();
      resolve();
    }, EXEC_TIMEOUT_MS);
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      clearTimeout(timer);
      resolve();
    });
    stream.on('error', (error: Error) => {
      clearTimeout(timer);
      reject(error);
    });
  });

  const output = demuxDockerStream(Buffer.concat(chunks));
  const info = await exec.inspect();
  return { exitCode: info.ExitCode, stdout: output.stdout, stderr: output.stderr };
}

/** Returns what `uname -m` prints inside the container, or null when the image has no uname. */
export async function readMachine(container: Container): Promise<string | null> {
  try {
    const result = await execInContainer(container, ['uname', '-m']);
    const machine = result.stdout.trim();
    return result.exitCode === 0 && machine !== '' ? machine : null;
  } catch (error) {
    logger.debug({ event: 'evidence.uname-failed', containerId: container.id, err: error }, 'uname -m could not run');
    return null;
  }
}

/**
 * The first word of the main process's command line in the container's
 * process list. Under binfmt_misc the kernel puts the interpreter there, for
 * example "/usr/bin/qemu-arm-static /bin/busybox httpd …".
 */
export async function readMainCommand(container: Container): Promise<string | null> {
  const top = await container.top();
  const titles = top.Titles ?? [];
  const commandColumn = titles.findIndex((title) => title === 'CMD' || title === 'COMMAND');
  const pidColumn = titles.indexOf('PID');
  const processes = [...(top.Processes ?? [])];
  if (commandColumn === -1 || processes.length === 0) {
    return null;
  }
  if (pidColumn !== -1) {
    processes.sort((left, right) => Number(left[pidColumn]) - Number(right[pidColumn]));
  }
  // Runs start with the engine's init (docker-init, a tini build) as PID 1,
  // so the main program is the first process that is not it.
  const main = processes.find((process) => !isInitCommand(process[commandColumn] ?? ''));
  return main?.[commandColumn] ?? null;
}

/** True for the command line of the init process that the engine starts with Init: true. */
export function isInitCommand(commandLine: string): boolean {
  const firstWord = commandLine.trim().split(/\s+/)[0] ?? '';
  return /(^|\/)(docker-init|tini)$/.test(firstWord);
}

/** Returns the first word of a command line when that word is a QEMU binary, else null. */
export function interpreterFromCommand(commandLine: string | null): string | null {
  const firstWord = commandLine?.trim().split(/\s+/)[0];
  if (firstWord === undefined || firstWord === '') {
    return null;
  }
  return /(^|\/)qemu-[\w.-]+$/.test(firstWord) ? firstWord : null;
}
