import http from 'node:http';
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

export interface SocketReply {
  status: number;
  body: unknown;
}

/** Sends one JSON request over a unix socket, as Docker Desktop does, and parses the reply. */
export function requestOverSocket(socketPath: string, method: string, route: string, body?: unknown): Promise<SocketReply> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers = payload === undefined ? {} : { 'content-type': 'application/json' };
    const request = http.request({ socketPath, path: route, method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: response.statusCode ?? 0, body: text === '' ? undefined : JSON.parse(text) });
      });
    });
    request.on('error', reject);
    request.end(payload);
  });
}
