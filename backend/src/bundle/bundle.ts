import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { QemuArch, QemuBundleInfo } from '@arm-runner/contract';
import { ArmRunnerError } from '../errors.ts';
import { readElfInfo } from '../emulation/elf.ts';
import { readTarFile } from '../engine/tar-reader.ts';

export const BUNDLE_MANIFEST = 'bundle.json';

export interface QemuBundleEntry extends QemuBundleInfo {
  /** File name of the tar inside the bundle folder. */
  file: string;
}

export interface BundleManifest {
  qemu: QemuBundleEntry[];
  helper: { file: string; sha256: string };
}

export interface LoadedBundle {
  directory: string;
  manifest: BundleManifest;
  qemu(arch: QemuArch): QemuBundleEntry & { tarPath: string };
  helperTarPath: string;
}

export function interpreterPathFor(arch: QemuArch): string {
  return `/usr/bin/qemu-${arch}-static`;
}

/**
 * Rejects a QEMU binary that is not ELF or that names a dynamic loader
 * (PT_INTERP): an ARM root filesystem has no x86 loader, so such a QEMU
 * fails inside every container. Static-pie binaries have no PT_INTERP.
 */
export function assertStaticElf(bytes: Uint8Array, source: string): void {
  const info = readElfInfo(bytes);
  if (info === null) {
    throw new ArmRunnerError('BUNDLE_INVALID', `${source} is not an ELF program. Rebuild the QEMU bundle from qemu-user-static.`);
  }
  if (info.hasInterpreter) {
    throw new ArmRunnerError(
      'BUNDLE_INVALID',
      `${source} is dynamically linked, so it cannot start inside an ARM container, which has no loader for it. ` +
        "Use the static build from Debian's qemu-user-static package, not qemu-user.",
    );
  }
}

interface TarMember {
  head: Uint8Array;
  sha256: string;
}

/** Reads the named member of a tar file: its first bytes and the sha256 of its content. */
async function readTarMember(tarPath: string, memberName: string): Promise<TarMember | null> {
  let found: TarMember | null = null;
  for await (const entry of readTarFile(tarPath)) {
    const name = entry.header.name.replace(/^\.?\//, '');
    if (name !== memberName) {
      continue;
    }
    const hash = createHash('sha256');
    const headChunks: Buffer[] = [];
    let headLength = 0;
    for await (const chunk of entry.content) {
      hash.update(chunk);
      if (headLength < 65536) {
        // readTarFile reuses the chunk's buffer, so the kept head is a copy.
        headChunks.push(Buffer.from(chunk));
        headLength += chunk.length;
      }
    }
    found = { head: Buffer.concat(headChunks), sha256: hash.digest('hex') };
  }
  return found;
}

/** Loads the bundle manifest and checks every QEMU tar: present, static, and with the recorded sha256. */
export async function loadBundle(directory: string): Promise<LoadedBundle> {
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(await readFile(path.join(directory, BUNDLE_MANIFEST), 'utf8')) as BundleManifest;
  } catch (error) {
    throw new ArmRunnerError(
      'BUNDLE_MISSING',
      `The QEMU bundle is missing from ${directory}. Run "bash scripts/prepare-assets.sh" or set ARM_RUNNER_BUNDLE_DIR.`,
      error instanceof Error ? error.message : String(error),
    );
  }

  for (const entry of manifest.qemu) {
    const tarPath = path.join(directory, entry.file);
    const member = await readTarMember(tarPath, entry.interpreterPath.slice(1));
    if (member === null) {
      throw new ArmRunnerError('BUNDLE_INVALID', `${tarPath} does not contain ${entry.interpreterPath}. Rebuild the QEMU bundle.`);
    }
    assertStaticElf(member.head, `${entry.interpreterPath} in ${tarPath}`);
    if (member.sha256 !== entry.sha256) {
      throw new ArmRunnerError('BUNDLE_INVALID', `${tarPath} does not match the sha256 in ${BUNDLE_MANIFEST}. Rebuild the QEMU bundle.`);
    }
  }

  return {
    directory,
    manifest,
    helperTarPath: path.join(directory, manifest.helper.file),
    qemu(arch) {
      const entry = manifest.qemu.find((candidate) => candidate.arch === arch);
      if (entry === undefined) {
        throw new ArmRunnerError('BUNDLE_MISSING', `The QEMU bundle has no qemu-${arch}-static. Rebuild the QEMU bundle.`);
      }
      return { ...entry, tarPath: path.join(directory, entry.file) };
    },
  };
}
