import { afterAll, beforeAll } from 'vitest';
import type { Services } from '../../src/services.ts';
import { readArmEntries, restoreArmEntries, setArmHandlers, type SavedEntry } from './binfmt-rig.ts';
import { connectToEngine, managedRunIds, removeRunsCreatedSince } from './engine-rig.ts';

export interface EngineTestContext {
  services: Services;
}

/**
 * Registers the hooks that every real-engine test file needs: connect to the
 * engine, save the ARM binfmt entries (and set `handlers` when given), then
 * restore them and remove only the runs the file created.
 */
export function setUpEngineTest(handlers?: Parameters<typeof setArmHandlers>[0]): EngineTestContext {
  const context = {} as EngineTestContext;
  let savedEntries: SavedEntry[] = [];
  let runIdsBefore: string[] = [];

  beforeAll(async () => {
    context.services = await connectToEngine();
    savedEntries = readArmEntries();
    runIdsBefore = await managedRunIds(context.services.docker);
    if (handlers !== undefined) {
      setArmHandlers(handlers);
    }
  });

  afterAll(async () => {
    restoreArmEntries(savedEntries);
    await removeRunsCreatedSince(context.services.docker, runIdsBefore);
  });

  return context;
}

export { requestOverSocket, type SocketReply } from './socket-client.ts';
