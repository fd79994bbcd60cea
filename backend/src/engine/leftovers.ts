import type { EngineClient } from './client.ts';
import { logger } from '../log.ts';
import { roleFilter, type Role } from './labels.ts';

/** Short-lived containers that ARM Runner creates and always removes when the work ends. */
const SHORT_LIVED_ROLES: Role[] = ['augment-build', 'probe', 'inspect', 'helper'];

/**
 * Removes short-lived containers that a backend or CLI process left behind
 * when it was stopped mid-work, for example by a restart. Only containers
 * older than `olderThanMs` go, so that the work of another process that is
 * running right now is not cut off. Runs are never touched.
 */
export async function removeLeftoverContainers(docker: EngineClient, olderThanMs: number): Promise<number> {
  const cutoffSeconds = (Date.now() - olderThanMs) / 1000;
  let removed = 0;
  for (const role of SHORT_LIVED_ROLES) {
    const containers = await docker.listContainers({ all: true, filters: { label: roleFilter(role) } });
    for (const container of containers.filter((candidate) => candidate.Created <= cutoffSeconds)) {
      try {
        await docker.getContainer(container.Id).remove({ force: true });
        removed += 1;
        logger.info({ event: 'leftover.removed', containerId: container.Id, role }, 'removed a container left by an interrupted process');
      } catch (error) {
        logger.warn({ event: 'leftover.remove-failed', containerId: container.Id, role, err: error }, 'could not remove a leftover container');
      }
    }
  }
  return removed;
}
