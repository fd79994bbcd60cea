/** Entry type in an image's filesystem, as a tar header records it. */
export type FileEntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';

export interface FileEntry {
  type: FileEntryType;
  /** Permission bits including setuid (0o4000), setgid (0o2000) and sticky (0o1000). */
  mode: number;
  size: number;
  /**
   * For a symlink, the target exactly as stored. For a hard link, the absolute
   * path of the file it shares an inode with. Null for other types.
   */
  linkTarget: string | null;
}

/** Read-only view of an image's filesystem, keyed by normalized absolute path. */
export interface FileTree {
  /** Returns the entry at an absolute, normalized path without following symlinks. "/" is the root directory. */
  entry(path: string): FileEntry | undefined;
}

/** The bytes read from a file, which may be only its start. */
export interface FileContent {
  bytes: Uint8Array;
  /** True when the file is longer than the bytes read. */
  truncated: boolean;
}

/** A filesystem view that can also read file contents. */
export interface ImageFiles extends FileTree {
  /** Reads a regular file at a real path (no symlinks on the way). Throws when the read fails. */
  readFile(path: string): Promise<FileContent>;
}

/**
 * Turns a path from a tar header or a link into a normalized absolute path:
 * "./bin/sh", "bin/sh" and "/bin//sh/" all become "/bin/sh". "." and ".."
 * components are resolved lexically, and ".." at the root stays at the root.
 */
export function normalizeImagePath(name: string): string {
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') {
      continue;
    }
    if (part === '..') {
      parts.pop();
      continue;
    }
    parts.push(part);
  }
  return `/${parts.join('/')}`;
}

export function parentPath(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? '/' : path.slice(0, slash);
}

const IMPLICIT_DIRECTORY: FileEntry = { type: 'directory', mode: 0o755, size: 0, linkTarget: null };

/**
 * An in-memory FileTree built from tar headers. Parent directories that the
 * archive does not list are added as plain directories, so that a path walk
 * does not fail on an archive that omits them.
 */
export class MemoryFileTree implements FileTree {
  private readonly entries = new Map<string, FileEntry>([['/', IMPLICIT_DIRECTORY]]);

  /** Adds an entry. A later entry for the same path replaces the earlier one, as tar extraction does. */
  add(name: string, entry: FileEntry): void {
    const path = normalizeImagePath(name);
    for (let parent = parentPath(path); !this.entries.has(parent); parent = parentPath(parent)) {
      this.entries.set(parent, IMPLICIT_DIRECTORY);
    }
    this.entries.set(path, entry);
  }

  entry(path: string): FileEntry | undefined {
    return this.entries.get(path);
  }

  get size(): number {
    return this.entries.size;
  }
}
