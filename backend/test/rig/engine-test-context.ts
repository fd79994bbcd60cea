import { afterAll, beforeAll } from 'vitest';
import type { Services } from '../../src/services.ts';
import { readArmEntries, restoreArmEntries, setArmHandlers, type SavedEntry } from './binfmt-rig.ts';
import type Docker from 'dockerode';
import { connectToEngine, docker, managedRunIds, removeRunsCreatedSince } from './engine-rig.ts';

export interface EngineTestContext {
  /** The services on the product's own engine client. */
  services: Services;
  /** The tests' own client (dockerode), for setup and checks. */
  docker: Docker;
}

/**
 * Registers the hooks that every real-engine test file needs: connect to the
 * engine, save the ARM binfmt entries (and set `handlers` when given), then
 * restore them and remove only the runs the file created.
 */
export function setUpEngineTest(handlers?: Parameters<typeof setArmHandlers>[0]): EngineTestContext {
  const context = { docker } as EngineTestContext;
  let savedEntries: SavedEntry[] = [];
  let runIdsBefore: string[] = [];

  beforeAll(async () => {
    context.services = await connectToEngine();
    savedEntries = readArmEntries();
    runIdsBefore = await managedRunIds(docker);
    if (handlers !== undefined) {
      setArmHandlers(handlers);
    }
  });

  afterAll(async () => {
    restoreArmEntries(savedEntries);
    await removeRunsCreatedSince(docker, runIdsBefore);
  });

  return context;
}

export { requestOverSocket, type SocketReply } from './socket-client.ts';
