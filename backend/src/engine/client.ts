import Docker from 'dockerode';
import type { EngineInfo } from '@arm-runner/contract';
import { dockerArchitecture } from '../emulation/platform.ts';
import { fromEngineError } from './engine-errors.ts';

/** Creates the Engine API client. dockerode reads DOCKER_HOST, or uses /var/run/docker.sock. */
export function createEngineClient(): Docker {
  return new Docker();
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
