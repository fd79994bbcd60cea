import Docker from 'dockerode';
import type { EngineInfo } from '@arm-runner/contract';
import { dockerArchitecture } from '../emulation/platform.ts';
import { fromEngineError } from './engine-errors.ts';

/** Creates the Engine API client. dockerode reads DOCKER_HOST, or uses /var/run/docker.sock. */
export function createEngineClient(): Docker {
  return new Docker();
}

export async function readEngineInfo(docker: Docker): Promise<EngineInfo> {
  try {
    const [info, version] = await Promise.all([docker.info() as Promise<Record<string, unknown>>, docker.version()]);
    return {
      os: String(info.OSType ?? 'linux'),
      architecture: dockerArchitecture(String(info.Architecture ?? '')),
      kernelVersion: String(info.KernelVersion ?? ''),
      serverVersion: String(info.ServerVersion ?? version.Version),
      apiVersion: version.ApiVersion,
    };
  } catch (error) {
    throw fromEngineError(error, 'read its version and architecture');
  }
}
