import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import type { QemuArch } from '@arm-runner/contract';
import { ArmRunnerError } from '../errors.ts';
import { readElfInfo } from '../emulation/elf.ts';
import { encodeTarHeader, TAR_END, tarPadding } from '../engine/tar.ts';
import { BUNDLE_MANIFEST, assertStaticElf, interpreterPathFor, type BundleManifest, type QemuBundleEntry } from './bundle.ts';

const execFileAsync = promisify(execFile);

export interface MakeBundleOptions {
  /** Folder with qemu-arm-static and qemu-aarch64-static, usually /usr/bin. */
  qemuDirectory: string;
  /** A static busybox for the engine's CPU, for the helper image. */
  busyboxPath: string;
  /** The read-binfmt script for the helper image; write-binfmt sits beside it. */
  helperScriptPath: string;
  outputDirectory: string;
}

interface TarFile {
  name: string;
  mode: number;
  sourcePath?: string;
  content?: Buffer;
}

/**
 * Yields a tar of the directories and files, streaming each file from its
 * source path. Owner and time are fixed (root, the Unix epoch), so that the
 * same inputs always give the same tar.
 */
async function* tarChunks(files: TarFile[], directories: string[]): AsyncGenerator<Buffer> {
  for (const directory of directories) {
    yield encodeTarHeader({ name: directory, type: 'directory', mode: 0o755 });
  }
  for (const file of files) {
    if (file.content !== undefined) {
      yield encodeTarHeader({ name: file.name, mode: file.mode, size: file.content.length });
      yield file.content;
      yield tarPadding(file.content.length);
      continue;
    }
    const sourcePath = file.sourcePath ?? '';
    const size = (await stat(sourcePath)).size;
    yield encodeTarHeader({ name: file.name, mode: file.mode, size });
    let written = 0;
    for await (const chunk of createReadStream(sourcePath) as AsyncIterable<Buffer>) {
      written += chunk.length;
      yield chunk;
    }
    if (written !== size) {
      throw new ArmRunnerError('BUNDLE_INVALID', `${sourcePath} changed size while it was packed. Run the bundle command again.`);
    }
    yield tarPadding(size);
  }
  yield TAR_END;
}

async function writeTar(tarPath: string, files: TarFile[], directories: string[] = []): Promise<void> {
  await pipeline(Readable.from(tarChunks(files, directories)), createWriteStream(tarPath));
}

async function sha256File(filePath: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(filePath), hash);
  return hash.digest('hex');
}

/** ELF e_machine of the CPU this process runs on, for the CPUs the extension image is built for. */
const HOST_ELF_MACHINE: Partial<Record<NodeJS.Architecture, number>> = { x64: 62, arm64: 183 };

/**
 * Finds the version string that QEMU prints after "version" in its --version
 * output, for example "7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)". QEMU 7.2
 * stores that whole first line as one literal ("qemu-arm version ...\n"), so
 * it can be read from a binary built for another CPU.
 */
export function findEmbeddedQemuVersion(content: Buffer): string | null {
  const text = content.toString('latin1');
  const match = /\0qemu-[a-z0-9_]+ version ([^\0\n]{1,160})\n/.exec(text);
  return match?.[1] ?? null;
}

/**
 * Returns the QEMU version. A binary for this CPU is asked with --version. A
 * binary for another CPU, as in a cross-build of the extension image, cannot
 * run here, so its embedded version literal is read instead.
 */
async function qemuVersion(binaryPath: string): Promise<string> {
  const content = await readFile(binaryPath);
  const machine = readElfInfo(content.subarray(0, 65536))?.machine;
  if (machine !== HOST_ELF_MACHINE[process.arch]) {
    const embedded = findEmbeddedQemuVersion(content);
    if (embedded === null) {
      throw new ArmRunnerError('BUNDLE_INVALID', `${binaryPath} is built for another CPU, and no QEMU version string was found in it. Use Debian's qemu-user-static build.`);
    }
    return embedded;
  }

  const { stdout } = await execFileAsync(binaryPath, ['--version'], { timeout: 10_000 });
  const firstLine = stdout.split('\n')[0] ?? '';
  const match = /version\s+(.+)$/.exec(firstLine);
  if (match?.[1] === undefined) {
    throw new ArmRunnerError('BUNDLE_INVALID', `${binaryPath} --version printed no version: "${firstLine}".`);
  }
  return match[1].trim();
}

async function readHead(filePath: string): Promise<Buffer> {
  const content = await readFile(filePath);
  return content.subarray(0, 65536);
}

/**
 * Builds the bundle folder: one tar per QEMU emulator, holding only
 * usr/bin/qemu-<arch>-static, plus the helper image's root filesystem and a
 * manifest with each QEMU's version and sha256.
 */
export async function makeBundle(options: MakeBundleOptions): Promise<BundleManifest> {
  await mkdir(options.outputDirectory, { recursive: true });

  const qemu: QemuBundleEntry[] = [];
  for (const arch of ['arm', 'aarch64'] as QemuArch[]) {
    const binaryPath = path.join(options.qemuDirectory, `qemu-${arch}-static`);
    assertStaticElf(await readHead(binaryPath), binaryPath);

    const interpreterPath = interpreterPathFor(arch);
    const file = `qemu-${arch}-static.tar`;
    await writeTar(path.join(options.outputDirectory, file), [
      { name: interpreterPath.slice(1), mode: 0o755, sourcePath: binaryPath },
    ]);
    qemu.push({
      arch,
      file,
      interpreterPath,
      version: await qemuVersion(binaryPath),
      sha256: await sha256File(binaryPath),
    });
  }

  assertStaticElf(await readHead(options.busyboxPath), options.busyboxPath);
  const helperFile = 'helper-rootfs.tar';
  const helperTar = path.join(options.outputDirectory, helperFile);
  await writeTar(
    helperTar,
    [
      { name: 'bin/busybox', mode: 0o755, sourcePath: options.busyboxPath },
      { name: 'usr/libexec/arm-runner/read-binfmt', mode: 0o755, sourcePath: options.helperScriptPath },
      { name: 'usr/libexec/arm-runner/write-binfmt', mode: 0o755, sourcePath: path.join(path.dirname(options.helperScriptPath), 'write-binfmt') },
    ],
    ['binfmt/', 'host/', 'host/binfmt_misc/', 'tmp/'],
  );

  const manifest: BundleManifest = { qemu, helper: { file: helperFile, sha256: await sha256File(helperTar) } };
  await writeFile(path.join(options.outputDirectory, BUNDLE_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
