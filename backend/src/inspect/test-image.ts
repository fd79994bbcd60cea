import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemoryFileTree, normalizeImagePath, type FileContent, type FileEntry, type ImageFiles } from './file-tree.ts';

// Helpers for the unit tests of this folder: small synthetic image trees and
// Debian's real busybox-static binaries.

const DEBS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'build', 'debs');

export type BusyboxArch = 'armhf' | 'armel' | 'arm64' | 'amd64';

/** Reads Debian's busybox-static for one architecture, which scripts/fetch-debs.sh unpacks. */
export function busybox(arch: BusyboxArch): Uint8Array {
  const file = path.join(DEBS_DIR, arch, 'bin', 'busybox');
  if (!existsSync(file)) {
    throw new Error(`${file} is missing. Run "bash scripts/fetch-debs.sh armhf armel arm64 amd64" first.`);
  }
  return readFileSync(file);
}

export type TestNode =
  | { file: Uint8Array | string; mode?: number }
  | { symlink: string }
  | { hardlink: string; mode?: number }
  | { directory: true }
  | { fifo: true };

/** An in-memory image for resolver tests. It records every file read. */
export class TestImage implements ImageFiles {
  readonly reads: string[] = [];
  private readonly tree = new MemoryFileTree();
  private readonly contents = new Map<string, Uint8Array>();
  private readonly failing = new Set<string>();
  private readonly maxBytes: number;

  constructor(nodes: Record<string, TestNode>, options: { maxBytes?: number; failingReads?: string[] } = {}) {
    this.maxBytes = options.maxBytes ?? Number.MAX_SAFE_INTEGER;
    for (const failing of options.failingReads ?? []) {
      this.failing.add(failing);
    }
    for (const [name, node] of Object.entries(nodes)) {
      this.tree.add(name, toEntry(node));
      if ('file' in node) {
        this.contents.set(normalizeImagePath(name), typeof node.file === 'string' ? new TextEncoder().encode(node.file) : node.file);
      }
    }
  }

  entry(path: string): FileEntry | undefined {
    return this.tree.entry(path);
  }

  readFile(path: string): Promise<FileContent> {
    this.reads.push(path);
    const bytes = this.contents.get(path);
    if (this.failing.has(path) || bytes === undefined) {
      return Promise.reject(new Error(`Could not find the file ${path} in container`));
    }
    return Promise.resolve({ bytes: bytes.subarray(0, this.maxBytes), truncated: bytes.length > this.maxBytes });
  }
}

function toEntry(node: TestNode): FileEntry {
  if ('file' in node) {
    const size = typeof node.file === 'string' ? node.file.length : node.file.length;
    return { type: 'file', mode: node.mode ?? 0o755, size, linkTarget: null };
  }
  if ('symlink' in node) {
    return { type: 'symlink', mode: 0o777, size: 0, linkTarget: node.symlink };
  }
  if ('hardlink' in node) {
    return { type: 'hardlink', mode: node.mode ?? 0o755, size: 0, linkTarget: normalizeImagePath(node.hardlink) };
  }
  if ('directory' in node) {
    return { type: 'directory', mode: 0o755, size: 0, linkTarget: null };
  }
  return { type: 'other', mode: 0o644, size: 0, linkTarget: null };
}
