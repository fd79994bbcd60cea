import type { EngineClient } from '../engine/client.ts';
import type { CleanupItem, CleanupPlan, CleanupRequest } from '@arm-runner/contract';
import { fromEngineError } from '../engine/engine-errors.ts';
import { LABELS, roleFilter, type Role } from '../engine/labels.ts';
import { logger } from '../log.ts';

// Images that ARM Runner makes and can make again: augmented images, the probe
// program's images and the helper image.
const IMAGE_ROLES: Role[] = ['augmented-image', 'probe-image', 'helper-image'];

/**
 * Lists what a cleanup would remove: only containers and images with ARM
 * Runner's labels. Nothing is removed here, so the user can see the list first.
 */
export async function planCleanup(docker: EngineClient, request: CleanupRequest): Promise<CleanupPlan> {
  const plan: CleanupPlan = { runs: [], images: [] };
  try {
    if (request.runs) {
      const runs = await docker.listContainers({ all: true, filters: { label: roleFilter('run') } });
      plan.runs = runs.map((run) => ({
        id: run.Id.slice(0, 12),
        name: (run.Names[0] ?? '').replace(/^\//, ''),
        detail: `${run.Labels[LABELS.sourceImage] ?? run.Image}, ${run.State}`,
      }));
    }
    if (request.images) {
      for (const role of IMAGE_ROLES) {
        const images = await docker.listImages({ filters: { label: roleFilter(role) } });
        plan.images.push(
          ...images.map((image) => ({
            id: image.Id,
            name: (image.RepoTags ?? []).filter((tag) => tag !== '<none>:<none>').join(', ') || image.Id.slice(7, 19),
            detail: role,
          })),
        );
      }
    }
  } catch (error) {
    throw fromEngineError(error, 'list what ARM Runner created');
  }
  return plan;
}

/**
 * Removes what a plan lists: runs first, so that their images are free, then
 * images. An item that cannot be removed (an image that a container outside
 * the plan still uses) is reported with the reason, and the rest goes on.
 */
export async function applyCleanup(docker: EngineClient, plan: CleanupPlan): Promise<CleanupItem[]> {
  const results: CleanupItem[] = [];
  for (const run of plan.runs) {
    results.push(await removeOne(run, () => docker.getContainer(run.id).remove({ force: true }), 'run'));
  }
  for (const image of plan.images) {
    results.push(await removeOne(image, () => docker.getImage(image.id).remove({ noprune: true }), 'image'));
  }
  return results;
}

async function removeOne(item: CleanupItem, remove: () => Promise<unknown>, kind: string): Promise<CleanupItem> {
  try {
    await remove();
    logger.info({ event: 'cleanup.removed', kind, id: item.id }, 'removed in a cleanup');
    return { ...item, outcome: 'removed' };
  } catch (error) {
    const reason = fromEngineError(error, `remove ${kind} ${item.name}`).message;
    logger.warn({ event: 'cleanup.kept', kind, id: item.id, reason }, 'kept in a cleanup');
    return { ...item, outcome: 'kept', reason };
  }
}
