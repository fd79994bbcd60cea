import type { PrivilegedFile, PrivilegedFileList } from '@arm-runner/contract';
import type { FileEntry } from './file-tree.ts';

/** Number of setuid and setgid paths an inspection lists. The count covers all of them. */
export const MAX_LISTED_PRIVILEGED_FILES = 20;

const S_ISUID = 0o4000;
const S_ISGID = 0o2000;

/**
 * Collects setuid and setgid regular files while an archive is scanned. Hard
 * links count too, because each name runs the same privileged inode.
 */
export class PrivilegedFileCollector {
  private count = 0;
  private readonly files: PrivilegedFile[] = [];

  add(path: string, entry: FileEntry): void {
    if (entry.type !== 'file' && entry.type !== 'hardlink') {
      return;
    }
    const setuid = (entry.mode & S_ISUID) !== 0;
    const setgid = (entry.mode & S_ISGID) !== 0;
    if (!setuid && !setgid) {
      return;
    }
    this.count += 1;
    if (this.files.length < MAX_LISTED_PRIVILEGED_FILES) {
      this.files.push({ path, mode: entry.mode & 0o7777, setuid, setgid });
    }
  }

  result(): PrivilegedFileList {
    return { count: this.count, files: [...this.files] };
  }
}
