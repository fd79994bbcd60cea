import http from 'node:http';
import Docker from 'dockerode';
import type { EngineInfo } from '@arm-runner/contract';
import { dockerArchitecture } from '../emulation/platform.ts';
import { fromEngineError } from './engine-errors.ts';

/**
 * Creates the Engine API client. dockerode reads DOCKER_HOST, or uses
 * /var/run/docker.sock; `socketPath` overrides both.
 *
 * Over a unix socket, connections are not kept alive between requests. Node's
 * default agent keeps them, and after an engine restart the first request on
 * a kept connection fails with EPIPE, so the backend would not recover by
 * itself. A new connection to a local socket costs well under a millisecond.
 */
export function createEngineClient(options: { socketPath?: string } = {}): Docker {
  const dockerHost = process.env.DOCKER_HOST ?? '';
  const overUnixSocket = options.socketPath !== undefined || dockerHost === '' || dockerHost.startsWith('unix://');
  return new Docker({
    ...(options.socketPath === undefined ? {} : { socketPath: options.socketPath }),
    ...(overUnixSocket ? { agent: new http.Agent({ keepAlive: false }) } : {}),
  });
}

/** The fields of GET /info that ARM Runner reads. */
interface EngineInfoFields {
  OSType?: string;
  Architecture?: string;
  KernelVersion?: string;
  ServerVersion?: string;
}

export async function readEngineInfo(docker: Docker): Promise<EngineInfo> {
  try {
    const [info, version] = await Promise.all([docker.info() as Promise<EngineInfoFields>, docker.version()]);
    return {
      os: info.OSType ?? 'linux',
      architecture: dockerArchitecture(info.Architecture ?? ''),
      kernelVersion: info.KernelVersion ?? '',
      serverVersion: info.ServerVersion ?? version.Version,
      apiVersion: version.ApiVersion,
    };
  } catch (error) {
    throw fromEngineError(error, 'read its version and architecture');
  }
}
