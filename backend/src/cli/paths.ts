import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The CLI bundle lives in backend/dist/, so the repository root is two levels up.
export const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function bundleDirectory(): string {
  return process.env.ARM_RUNNER_BUNDLE_DIR ?? path.join(repositoryRoot, 'build', 'bundle');
}

export function sampleArchive(): string {
  return process.env.ARM_RUNNER_SAMPLE_ARCHIVE ?? path.join(repositoryRoot, 'build', 'images', 'sample-armv7.tar');
}
