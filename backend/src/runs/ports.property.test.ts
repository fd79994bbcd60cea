import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArmRunnerError } from '../errors.ts';
import { parseExposedPorts, parsePublishSpec, planPortBindings, type ContainerPort } from './ports.ts';

// A fixed seed keeps runs reproducible. A failure report also prints the seed
// and the path of the shrunk counterexample.
const options = { seed: 0x9047, numRuns: 300 };

const protocol = fc.constantFrom<'tcp' | 'udp'>('tcp', 'udp');
const containerPort = fc.integer({ min: 1, max: 65535 });
const hostPort = fc.integer({ min: 0, max: 65535 });
const outOfRangePort = fc.integer({ min: 65536, max: 99999 });

interface Mapping {
  hostPort: number;
  containerPort: number;
  protocol: 'tcp' | 'udp';
}

/** Writes a mapping in Docker's publish syntax. With `omitDefaults`, it leaves out host port 0 and /tcp. */
function formatPublishSpec(mapping: Mapping, omitDefaults: boolean): string {
  const host = omitDefaults && mapping.hostPort === 0 ? '' : `${mapping.hostPort}:`;
  const suffix = omitDefaults && mapping.protocol === 'tcp' ? '' : `/${mapping.protocol}`;
  return `${host}${mapping.containerPort}${suffix}`;
}

function expectInvalidPort(run: () => unknown): void {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ArmRunnerError);
  expect((thrown as ArmRunnerError).code).toBe('INVALID_PORT');
}

describe('parsePublishSpec', () => {
  const anyText = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 60 }),
    fc.string({ unit: fc.constantFrom(...'0123456789:/tcpudp.[] -'), maxLength: 20 }),
    fc.string({ unit: 'binary-ascii', minLength: 1000, maxLength: 5000 }),
  );

  it('returns an in-range mapping or throws INVALID_PORT', () => {
    fc.assert(
      fc.property(anyText, (spec) => {
        let mapping: Mapping;
        try {
          mapping = parsePublishSpec(spec);
        } catch (error) {
          expect(error).toBeInstanceOf(ArmRunnerError);
          expect((error as ArmRunnerError).code).toBe('INVALID_PORT');
          return;
        }
        expect(mapping.containerPort).toBeGreaterThanOrEqual(1);
        expect(mapping.containerPort).toBeLessThanOrEqual(65535);
        expect(mapping.hostPort).toBeGreaterThanOrEqual(0);
        expect(mapping.hostPort).toBeLessThanOrEqual(65535);
        expect(['tcp', 'udp']).toContain(mapping.protocol);
      }),
      options,
    );
  });

  it('parses a formatted mapping back to the same value', () => {
    const padding = fc.string({ unit: fc.constantFrom(' ', '\t'), maxLength: 2 });
    fc.assert(
      fc.property(fc.record({ hostPort, containerPort, protocol }), fc.boolean(), padding, padding, (mapping, omitDefaults, before, after) => {
        expect(parsePublishSpec(before + formatPublishSpec(mapping, omitDefaults) + after)).toEqual(mapping);
      }),
      options,
    );
  });

  it('rejects container ports outside 1 to 65535', () => {
    fc.assert(
      fc.property(hostPort, fc.oneof(fc.constant(0), outOfRangePort), protocol, (host, container, proto) => {
        expectInvalidPort(() => parsePublishSpec(`${host}:${container}/${proto}`));
        expectInvalidPort(() => parsePublishSpec(`${container}`));
      }),
      options,
    );
  });

  it('rejects host ports above 65535', () => {
    fc.assert(
      fc.property(outOfRangePort, containerPort, (host, container) => {
        expectInvalidPort(() => parsePublishSpec(`${host}:${container}`));
      }),
      options,
    );
  });

  it('rejects negative and overlong numbers', () => {
    const badNumber = fc.oneof(
      fc.integer({ min: -99999, max: -1 }).map(String),
      fc.integer({ min: 100000, max: Number.MAX_SAFE_INTEGER }).map(String),
      fc.nat(65535).map((port) => `0${String(port).padStart(5, '0')}`),
    );
    fc.assert(
      fc.property(badNumber, containerPort, fc.boolean(), (bad, good, badIsHost) => {
        expectInvalidPort(() => parsePublishSpec(badIsHost ? `${bad}:${good}` : `${good}:${bad}`));
      }),
      options,
    );
  });

  it('rejects a host address in front of the ports', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6().map((address) => `[${address}]`)), hostPort, containerPort, (address, host, container) => {
        expectInvalidPort(() => parsePublishSpec(`${address}:${host}:${container}`));
      }),
      options,
    );
  });
});

describe('parseExposedPorts', () => {
  const exposedKey = fc
    .tuple(fc.nat(99999), fc.constantFrom(undefined, 'tcp', 'udp', 'sctp'))
    .map(([port, proto]) => ({ port, protocol: proto, key: proto === undefined ? String(port) : `${port}/${proto}` }));

  function byPortThenProtocol(left: ContainerPort, right: ContainerPort): number {
    return left.port - right.port || left.protocol.localeCompare(right.protocol);
  }

  it('reads every tcp and udp key, sorted by port', () => {
    fc.assert(
      fc.property(fc.uniqueArray(exposedKey, { selector: (entry) => entry.key, maxLength: 12 }), (entries) => {
        const exposed = Object.fromEntries(entries.map((entry) => [entry.key, {}]));
        const ports = parseExposedPorts(exposed);

        const expected = entries
          .filter((entry) => entry.protocol !== 'sctp')
          .map((entry): ContainerPort => ({ port: entry.port, protocol: entry.protocol === 'udp' ? 'udp' : 'tcp' }));
        expect([...ports].sort(byPortThenProtocol)).toEqual(expected.sort(byPortThenProtocol));
        expect(ports.map((port) => port.port)).toEqual([...ports.map((port) => port.port)].sort((left, right) => left - right));
      }),
      options,
    );
  });

  it('ignores keys that are not ports without throwing', () => {
    const anyKeys = fc.dictionary(fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), exposedKey.map((entry) => entry.key)), fc.jsonValue(), {
      maxKeys: 8,
    });
    fc.assert(
      fc.property(anyKeys, (exposed) => {
        const ports = parseExposedPorts(exposed);

        expect(ports.length).toBeLessThanOrEqual(Object.keys(exposed).length);
        for (const port of ports) {
          expect(Number.isInteger(port.port)).toBe(true);
          expect(port.port).toBeGreaterThanOrEqual(0);
          expect(['tcp', 'udp']).toContain(port.protocol);
        }
      }),
      options,
    );
  });
});

describe('planPortBindings', () => {
  const exposedPorts = fc.uniqueArray(fc.record({ port: containerPort, protocol }), {
    selector: (port) => `${port.port}/${port.protocol}`,
    maxLength: 4,
  });
  const anyPort = fc.integer({ min: -5, max: 70000 });
  // Most requests name an exposed port, as users do, so that the planner
  // often returns a plan instead of rejecting the request.
  const request = fc.record({
    hostPort: fc.option(fc.oneof(hostPort, anyPort), { nil: undefined }),
    containerPort: fc.oneof(containerPort, anyPort),
    protocol: fc.option(protocol, { nil: undefined }),
    exposedIndex: fc.option(fc.nat(), { nil: undefined, freq: 4 }),
  });
  const portsAndRequests = fc.tuple(exposedPorts, fc.array(request, { maxLength: 4 })).map(([exposed, requests]) => {
    const mappings = requests.map(({ exposedIndex, ...mapping }) => {
      const target = exposedIndex === undefined ? undefined : exposed[exposedIndex % exposed.length];
      return target === undefined ? mapping : { ...mapping, containerPort: target.port, protocol: target.protocol };
    });
    return { exposed, mappings };
  });

  it('publishes every requested mapping or throws a port error', () => {
    fc.assert(
      fc.property(portsAndRequests, fc.boolean(), ({ exposed, mappings }, lan) => {
        let plan: ReturnType<typeof planPortBindings>;
        try {
          plan = planPortBindings(exposed, mappings, lan, 'example/app:1.0');
        } catch (error) {
          expect(error).toBeInstanceOf(ArmRunnerError);
          expect(['INVALID_PORT', 'NO_EXPOSED_PORTS']).toContain((error as ArmRunnerError).code);
          return;
        }

        const hostIp = lan ? '0.0.0.0' : '127.0.0.1';
        expect(Object.keys(plan.portBindings).sort()).toEqual(Object.keys(plan.exposedPorts).sort());
        for (const port of exposed) {
          expect(plan.exposedPorts).toHaveProperty([`${port.port}/${port.protocol}`]);
        }
        for (const mapping of mappings) {
          const key = `${mapping.containerPort}/${mapping.protocol ?? 'tcp'}`;
          const expectedHostPort = mapping.hostPort === undefined || mapping.hostPort === 0 ? '' : String(mapping.hostPort);
          expect(plan.portBindings[key]).toContainEqual({ HostIp: hostIp, HostPort: expectedHostPort });
        }
        for (const bindings of Object.values(plan.portBindings)) {
          for (const binding of bindings) {
            expect(binding.HostIp).toBe(hostIp);
          }
        }
      }),
      options,
    );
  });
});
