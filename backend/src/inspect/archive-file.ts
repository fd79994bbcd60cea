import { readTar } from '../engine/tar-reader.ts';
import type { FileContent } from './file-tree.ts';

/**
 * Reads the first regular file of a tar stream, such as the archive that
 * `GET /containers/{id}/archive` returns for one path. Keeps at most
 * `maxBytes` and marks the content truncated when the file is longer, then
 * stops reading, which destroys the stream. Throws when the archive contains
 * no regular file.
 */
export async function readFirstArchiveFile(archive: AsyncIterable<Buffer>, maxBytes: number): Promise<FileContent> {
  for await (const entry of readTar(archive)) {
    if (entry.header.type !== 'file') {
      continue;
    }

    const size = entry.header.size;
    const chunks: Buffer[] = [];
    let length = 0;
    for await (const chunk of entry.content) {
      const slice = chunk.subarray(0, maxBytes - length);
      chunks.push(slice);
      length += slice.length;
      if (length >= maxBytes) {
        break;
      }
    }
    return { bytes: new Uint8Array(Buffer.concat(chunks, length)), truncated: size > length };
  }
  throw new Error('the archive contains no regular file');
}
