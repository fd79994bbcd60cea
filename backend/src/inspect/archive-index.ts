import type { PrivilegedFileList } from '@arm-runner/contract';
import tarStream from 'tar-stream';
import { MemoryFileTree, normalizeImagePath, type FileEntry, type FileEntryType } from './file-tree.ts';
import { PrivilegedFileCollector } from './privileged-files.ts';

export interface ArchiveIndex {
  tree: MemoryFileTree;
  privilegedFiles: PrivilegedFileList;
  /** Number of tar entries read. */
  entryCount: number;
}

type TarType = tarStream.Header['type'];

/** Maps a tar entry type to a FileEntryType. tar-stream reports a type flag it does not know as null. */
function entryType(type: TarType | null): FileEntryType {
  switch (type) {
    case 'file':
    case 'contiguous-file':
      return 'file';
    case 'link':
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
export async function indexArchive(archive: NodeJS.ReadableStream): Promise<ArchiveIndex> {
  const tree = new MemoryFileTree();
  const privileged = new PrivilegedFileCollector();
  const extract = tarStream.extract();
  let entryCount = 0;

  const source = archive as NodeJS.ReadableStream & { destroy?: (error?: Error) => void };
  source.on('error', (error: Error) => extract.destroy(error));
  source.pipe(extract);

  try {
    for await (const entry of extract) {
      const { header } = entry;
      const type = entryType(header.type);
      const fileEntry: FileEntry = {
        type,
        mode: header.mode ?? 0,
        size: header.size ?? 0,
        linkTarget: linkTargetOf(type, header.linkname ?? null),
      };
      const path = normalizeImagePath(header.name);
      tree.add(path, fileEntry);
      privileged.add(path, fileEntry);
      entryCount += 1;
      entry.resume();
    }
  } finally {
    source.unpipe?.(extract);
    source.destroy?.();
  }

  return { tree, privilegedFiles: privileged.result(), entryCount };
}

function linkTargetOf(type: FileEntryType, linkname: string | null): string | null {
  if (type === 'symlink') {
    return linkname ?? '';
  }
  if (type === 'hardlink') {
    // Tar stores a hard link's target relative to the archive root.
    return normalizeImagePath(linkname ?? '');
  }
  return null;
}
