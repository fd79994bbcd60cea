import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type Docker from 'dockerode';

/** Returns the size of `docker save IMAGE | gzip`, the usual measure of an image's download size. */
export async function compressedImageSize(docker: Docker, image: string): Promise<number> {
  let size = 0;
  const counter = new Writable({
    write(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      done();
    },
  });
  await pipeline(await docker.getImage(image).get(), createGzip(), counter);
  return size;
}
