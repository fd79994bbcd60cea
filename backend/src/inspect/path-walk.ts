import type { ProgramStep } from '@arm-runner/contract';
import { normalizeImagePath, type FileEntry, type FileTree } from './file-tree.ts';

/** Linux's limit on symlinks followed in one path lookup (MAXSYMLINKS); more fail with ELOOP. */
export const MAX_SYMLINKS = 40;

export type WalkResult =
  | { ok: true; path: string; entry: FileEntry; steps: ProgramStep[] }
  | { ok: false; steps: ProgramStep[] };

/**
 * Looks a path up the way the kernel does inside the container's root. It
 * follows every symlink, the last one included, and resolves relative paths
 * against `cwd`. ".." at the root stays at the root, so no link leads outside
 * the image. Each symlink followed becomes a step. On failure the last step
 * gives the reason: missing, not-a-directory or symlink-loop.
 */
export function walkPath(tree: FileTree, path: string, cwd: string): WalkResult {
  const steps: ProgramStep[] = [];
  const resolved: string[] = path.startsWith('/') ? [] : splitPath(cwd);
  const pending = splitPath(path);
  let symlinksFollowed = 0;

  for (let component = pending.shift(); component !== undefined; component = pending.shift()) {
    if (component === '.') {
      continue;
    }
    if (component === '..') {
      resolved.pop();
      continue;
    }

    const candidate = joinPath([...resolved, component]);
    const entry = tree.entry(candidate);
    if (entry === undefined) {
      const detail = candidate === path ? `${candidate} does not exist in the image.` : `${path} cannot be found, because ${candidate} does not exist in the image.`;
      steps.push({ kind: 'missing', path: candidate, detail });
      return { ok: false, steps };
    }

    if (entry.type === 'symlink') {
      symlinksFollowed += 1;
      if (symlinksFollowed > MAX_SYMLINKS) {
        steps.push({
          kind: 'symlink-loop',
          path: candidate,
          detail: `Resolving ${path} follows more than ${MAX_SYMLINKS} symbolic links, so the kernel fails with "too many levels of symbolic links".`,
        });
        return { ok: false, steps };
      }
      const target = entry.linkTarget ?? '';
      steps.push({ kind: 'symlink', path: candidate, target });
      if (target === '') {
        // Linux resolves an empty symlink target to ENOENT.
        steps.push({ kind: 'missing', path: candidate, detail: `${candidate} is a symbolic link with an empty target.` });
        return { ok: false, steps };
      }
      if (target.startsWith('/')) {
        resolved.length = 0;
      }
      pending.unshift(...splitPath(target));
      continue;
    }

    if (pending.length > 0 && entry.type !== 'directory') {
      steps.push({ kind: 'not-a-directory', path: candidate, detail: `${candidate} is not a directory, so ${path} cannot be reached.` });
      return { ok: false, steps };
    }
    resolved.push(component);
  }

  const finalPath = joinPath(resolved);
  const finalEntry = tree.entry(finalPath);
  if (finalEntry === undefined) {
    steps.push({ kind: 'missing', path: finalPath, detail: `${finalPath} does not exist in the image.` });
    return { ok: false, steps };
  }
  return { ok: true, path: finalPath, entry: finalEntry, steps };
}

function splitPath(path: string): string[] {
  return path.split('/').filter((part) => part !== '');
}

function joinPath(parts: string[]): string {
  return normalizeImagePath(parts.join('/'));
}
