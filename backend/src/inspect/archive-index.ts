import type { PrivilegedFileList } from '@arm-runner/contract';
import { MemoryFileTree, normalizeImagePath, type FileEntry, type FileEntryType } from './file-tree.ts';
import { PrivilegedFileCollector } from './privileged-files.ts';
import { readTar, type TarEntryType } from '../engine/tar-reader.ts';

export interface ArchiveIndex {
  tree: MemoryFileTree;
  privilegedFiles: PrivilegedFileList;
  /** Number of tar entries read. */
  entryCount: number;
}

/** Maps a tar entry type to a FileEntryType. */
function entryType(type: TarEntryType): FileEntryType {
  switch (type) {
    case 'file':
      return 'file';
    case 'hardlink':
      return 'hardlink';
    case 'symlink':
      return 'symlink';
    case 'directory':
      return 'directory';
    default:
      return 'other';
  }
}

/**
 * Reads the headers of a tar stream, such as a container export, into a
 * FileTree and a list of setuid and setgid files. File contents are drained
 * without being kept, so memory grows with the number of entries only.
 */
export async function indexArchive(archive: AsyncIterable<Buffer>): Promise<ArchiveIndex> {
  const tree = new MemoryFileTree();
  const privileged = new PrivilegedFileCollector();
  let entryCount = 0;

  for await (const { header } of readTar(archive)) {
    const type = entryType(header.type);
    const fileEntry: FileEntry = {
      type,
      mode: header.mode,
      size: header.size,
      linkTarget: linkTargetOf(type, header.linkname),
    };
    const path = normalizeImagePath(header.name);
    tree.add(path, fileEntry);
    privileged.add(path, fileEntry);
    entryCount += 1;
  }

  return { tree, privilegedFiles: privileged.result(), entryCount };
}

function linkTargetOf(type: FileEntryType, linkname: string): string | null {
  if (type === 'symlink') {
    return linkname;
  }
  if (type === 'hardlink') {
    // Tar stores a hard link's target relative to the archive root.
    return normalizeImagePath(linkname);
  }
  return null;
}
