import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildServer, listen } from '../../src/http/server.ts';
import type { Services } from '../../src/services.ts';
import { requestOverSocket, type SocketReply } from './socket-client.ts';

export interface ApiServer {
  socketPath: string;
  /** Sends one JSON request over the server's unix socket. */
  call(method: string, route: string, body?: unknown): Promise<SocketReply>;
  /** Stops the server and removes its socket folder. */
  close(): Promise<void>;
}

/** Serves the API for `services` on a unix socket in a new temporary folder, as Docker Desktop runs it. */
export async function startApiServer(services: Services): Promise<ApiServer> {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'arm-runner-api-'));
  const socketPath = path.join(directory, 'backend.sock');
  const app = buildServer(services);
  await listen(app, { socketPath });
  return {
    socketPath,
    call: (method, route, body) => requestOverSocket(socketPath, method, route, body),
    close: async () => {
      await app.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
