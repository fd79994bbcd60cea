import { describe, expect, it } from 'vitest';
import { parseExposedPorts, parsePublishSpec, planPortBindings } from './ports.ts';

describe('parseExposedPorts', () => {
  it('reads tcp and udp keys and sorts them', () => {
    expect(parseExposedPorts({ '8080/tcp': {}, '53/udp': {}, '80': {} })).toEqual([
      { port: 53, protocol: 'udp' },
      { port: 80, protocol: 'tcp' },
      { port: 8080, protocol: 'tcp' },
    ]);
  });

  it('handles a missing ExposedPorts', () => {
    expect(parseExposedPorts(undefined)).toEqual([]);
    expect(parseExposedPorts(null)).toEqual([]);
  });
});

describe('parsePublishSpec', () => {
  it('parses HOST:CONTAINER and CONTAINER', () => {
    expect(parsePublishSpec('8080:80')).toEqual({ hostPort: 8080, containerPort: 80, protocol: 'tcp' });
    expect(parsePublishSpec('80')).toEqual({ hostPort: 0, containerPort: 80, protocol: 'tcp' });
    expect(parsePublishSpec('5353:53/udp')).toEqual({ hostPort: 5353, containerPort: 53, protocol: 'udp' });
  });

  it.each(['', 'abc', '80:', ':80', '70000:80', '8080:0', '8080:80/sctp'])('rejects %j', (spec) => {
    expect(() => parsePublishSpec(spec)).toThrow(/port/i);
  });

  it('explains that host addresses are not taken', () => {
    expect(() => parsePublishSpec('127.0.0.1:8080:80')).toThrow(/--lan/);
  });
});

describe('planPortBindings', () => {
  const exposed80 = [{ port: 80, protocol: 'tcp' as const }];

  it('lets the engine pick a loopback host port for each exposed port', () => {
    expect(planPortBindings(exposed80, [], false, 'img')).toEqual({
      exposedPorts: { '80/tcp': {} },
      portBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
    });
  });

  it('uses the host port the user asks for', () => {
    expect(planPortBindings(exposed80, [{ hostPort: 8080, containerPort: 80 }], false, 'img').portBindings).toEqual({
      '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }],
    });
  });

  it('publishes on all interfaces only with LAN exposure', () => {
    expect(planPortBindings(exposed80, [], true, 'img').portBindings['80/tcp']?.[0]?.HostIp).toBe('0.0.0.0');
  });

  it('rejects a container port the image does not expose', () => {
    expect(() => planPortBindings(exposed80, [{ containerPort: 81 }], false, 'img')).toThrow(/does not expose 81\/tcp/);
  });

  it('asks for a port when the image exposes none', () => {
    expect(() => planPortBindings([], [], false, 'img')).toThrow(/exposes no ports/);
  });

  it('accepts the user port when the image exposes none', () => {
    expect(planPortBindings([], [{ containerPort: 80 }], false, 'img').portBindings).toEqual({
      '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }],
    });
  });

  it('publishes one container port on several host ports', () => {
    const plan = planPortBindings(exposed80, [{ containerPort: 80 }, { hostPort: 18083, containerPort: 80 }], false, 'img');
    expect(plan.portBindings['80/tcp']).toEqual([
      { HostIp: '127.0.0.1', HostPort: '' },
      { HostIp: '127.0.0.1', HostPort: '18083' },
    ]);
  });

  it('suggests an exposed port', () => {
    expect(() => planPortBindings(exposed80, [{ hostPort: 8080, containerPort: 8080 }], false, 'img')).toThrow(/--publish 8080:80/);
  });

  it('rejects the same host port twice', () => {
    const twoPorts = [
      { port: 80, protocol: 'tcp' as const },
      { port: 81, protocol: 'tcp' as const },
    ];
    expect(() =>
      planPortBindings(twoPorts, [{ hostPort: 9000, containerPort: 80 }, { hostPort: 9000, containerPort: 81 }], false, 'img'),
    ).toThrow(/twice/);
  });

  it('rejects out-of-range ports', () => {
    expect(() => planPortBindings(exposed80, [{ hostPort: 70000, containerPort: 80 }], false, 'img')).toThrow(/out of range/);
  });
});
