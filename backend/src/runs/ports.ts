import type { PortMapping } from '@arm-runner/contract';
import { ArmRunnerError } from '../errors.ts';

export interface ContainerPort {
  port: number;
  protocol: 'tcp' | 'udp';
}

export interface PortBindingPlan {
  /** Keys such as "80/tcp", for the container's ExposedPorts. */
  exposedPorts: Record<string, Record<string, never>>;
  /** HostPort "" lets the engine pick a free port from its ephemeral range (1024 or more). */
  portBindings: Record<string, { HostIp: string; HostPort: string }[]>;
}

/** Parses Docker's "80/tcp" keys from an image's ExposedPorts. */
export function parseExposedPorts(exposed: Record<string, unknown> | undefined | null): ContainerPort[] {
  const ports: ContainerPort[] = [];
  for (const key of Object.keys(exposed ?? {})) {
    const match = /^(\d+)(?:\/(tcp|udp|sctp))?$/.exec(key);
    if (match?.[1] === undefined) {
      continue;
    }
    const protocol = match[2] ?? 'tcp';
    if (protocol === 'sctp') {
      continue;
    }
    ports.push({ port: Number(match[1]), protocol: protocol as 'tcp' | 'udp' });
  }
  return ports.sort((left, right) => left.port - right.port);
}

/**
 * Parses a CLI publish spec: CONTAINER, HOST:CONTAINER, with an optional
 * /tcp or /udp suffix. HOST 0 requests any free port.
 */
export function parsePublishSpec(spec: string): Required<PortMapping> {
  if (/^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]*\]):/.test(spec.trim())) {
    throw new ArmRunnerError(
      'INVALID_PORT',
      `"${spec}" names a host address. ARM Runner publishes on 127.0.0.1, or on all interfaces with --lan, so use HOST:CONTAINER such as 8080:80.`,
    );
  }
  const match = /^(?:(\d{1,5}):)?(\d{1,5})(?:\/(tcp|udp))?$/.exec(spec.trim());
  if (match?.[2] === undefined) {
    throw new ArmRunnerError(
      'INVALID_PORT',
      `"${spec}" is not a port mapping. Use HOST:CONTAINER such as 8080:80, or CONTAINER alone for a free host port.`,
    );
  }
  const hostPort = match[1] === undefined ? 0 : Number(match[1]);
  const containerPort = Number(match[2]);
  const mapping = { hostPort, containerPort, protocol: (match[3] ?? 'tcp') as 'tcp' | 'udp' };
  validateMapping(mapping);
  return mapping;
}

function validateMapping(mapping: Required<PortMapping>): void {
  if (mapping.containerPort < 1 || mapping.containerPort > 65535) {
    throw new ArmRunnerError('INVALID_PORT', `Container port ${mapping.containerPort} is out of range. Use 1 to 65535.`);
  }
  if (mapping.hostPort < 0 || mapping.hostPort > 65535) {
    throw new ArmRunnerError('INVALID_PORT', `Host port ${mapping.hostPort} is out of range. Use 1 to 65535, or 0 for a free port.`);
  }
}

/**
 * Plans the port bindings of a run. Every exposed port is published. The
 * mappings the user gives set the host ports of a container port, and one
 * container port may have several. When the image exposes ports, a mapping
 * for another port is rejected, because it is likely a typo. When it exposes
 * none, the user's mappings are the only ports.
 */
export function planPortBindings(
  exposed: ContainerPort[],
  requested: PortMapping[],
  exposeOnLan: boolean,
  imageReference: string,
): PortBindingPlan {
  const hostIp = exposeOnLan ? '0.0.0.0' : '127.0.0.1';
  const mappings = requested.map((mapping) => ({
    hostPort: mapping.hostPort ?? 0,
    containerPort: mapping.containerPort,
    protocol: mapping.protocol ?? 'tcp',
  }));
  mappings.forEach(validateMapping);

  const seenHostPorts = new Set<string>();
  for (const mapping of mappings) {
    if (mapping.hostPort === 0) {
      continue;
    }
    const key = `${mapping.hostPort}/${mapping.protocol}`;
    if (seenHostPorts.has(key)) {
      throw new ArmRunnerError('INVALID_PORT', `Host port ${key} is requested twice. Give each mapping its own host port.`);
    }
    seenHostPorts.add(key);
  }

  const exposedKeys = new Set(exposed.map((port) => `${port.port}/${port.protocol}`));
  if (exposed.length > 0) {
    for (const mapping of mappings) {
      const key = `${mapping.containerPort}/${mapping.protocol}`;
      if (!exposedKeys.has(key)) {
        const first = [...exposedKeys][0] ?? '';
        throw new ArmRunnerError(
          'INVALID_PORT',
          `Image ${imageReference} does not expose ${key}. It exposes ${[...exposedKeys].join(', ')}, ` +
            `so publish one of those, for example --publish ${mapping.hostPort === 0 ? 0 : mapping.hostPort}:${first.replace('/tcp', '')}.`,
        );
      }
    }
  } else if (mappings.length === 0) {
    throw new ArmRunnerError(
      'NO_EXPOSED_PORTS',
      `Image ${imageReference} exposes no ports, so ARM Runner cannot tell where it listens. ` +
        'Give the container port it listens on: the Container port field in the tab, or --publish 0:80 in the CLI.',
    );
  }

  const plan: PortBindingPlan = { exposedPorts: {}, portBindings: {} };
  const containerKeys = exposed.length > 0 ? [...exposedKeys] : mappings.map((mapping) => `${mapping.containerPort}/${mapping.protocol}`);
  for (const key of containerKeys) {
    const forKey = mappings.filter((candidate) => `${candidate.containerPort}/${candidate.protocol}` === key);
    const hostPorts = forKey.length === 0 ? [0] : forKey.map((mapping) => mapping.hostPort);
    plan.exposedPorts[key] = {};
    plan.portBindings[key] = hostPorts.map((hostPort) => ({ HostIp: hostIp, HostPort: hostPort === 0 ? '' : String(hostPort) }));
  }
  return plan;
}
