import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ipv4InCidr, locateRegistry, parseBearerChallenge, parseIndex } from './registry-index.ts';

const ENGINE_DEFAULTS = { InsecureRegistryCIDRs: ['127.0.0.0/8'], IndexConfigs: { 'docker.io': { Secure: true } } };

function digestOf(body: Buffer): string {
  return `sha256:${createHash('sha256').update(body).digest('hex')}`;
}

describe('ipv4InCidr', () => {
  it('matches addresses inside the range', () => {
    expect(ipv4InCidr('127.0.0.1', '127.0.0.0/8')).toBe(true);
    expect(ipv4InCidr('127.255.3.4', '127.0.0.0/8')).toBe(true);
    expect(ipv4InCidr('10.1.2.3', '10.1.2.3/32')).toBe(true);
  });

  it('rejects addresses outside the range', () => {
    expect(ipv4InCidr('128.0.0.1', '127.0.0.0/8')).toBe(false);
    expect(ipv4InCidr('10.1.2.4', '10.1.2.3/32')).toBe(false);
  });

  it('rejects host names and malformed ranges', () => {
    expect(ipv4InCidr('registry.example', '127.0.0.0/8')).toBe(false);
    expect(ipv4InCidr('127.0.0.1', '127.0.0.0/33')).toBe(false);
    expect(ipv4InCidr('127.0.0.1', '::1/128')).toBe(false);
  });
});

describe('locateRegistry', () => {
  it('sends one-part Docker Hub names to library/', () => {
    expect(locateRegistry(undefined, 'busybox', ENGINE_DEFAULTS)).toEqual({ baseUrl: 'https://registry-1.docker.io', repository: 'library/busybox' });
  });

  it('keeps Docker Hub user repositories', () => {
    expect(locateRegistry('docker.io', 'team/app', ENGINE_DEFAULTS)).toEqual({ baseUrl: 'https://registry-1.docker.io', repository: 'team/app' });
  });

  it('uses plain HTTP for loopback registries', () => {
    expect(locateRegistry('127.0.0.1:5000', 'team/app', ENGINE_DEFAULTS).baseUrl).toBe('http://127.0.0.1:5000');
    expect(locateRegistry('localhost:5000', 'team/app', ENGINE_DEFAULTS).baseUrl).toBe('http://localhost:5000');
  });

  it('uses plain HTTP for a registry the engine marks insecure', () => {
    const config = { ...ENGINE_DEFAULTS, IndexConfigs: { 'registry.lan:5000': { Secure: false } } };
    expect(locateRegistry('registry.lan:5000', 'app', config).baseUrl).toBe('http://registry.lan:5000');
  });

  it('uses HTTPS for other registries', () => {
    expect(locateRegistry('registry.example', 'team/app', ENGINE_DEFAULTS)).toEqual({ baseUrl: 'https://registry.example', repository: 'team/app' });
  });
});

describe('parseBearerChallenge', () => {
  it('reads realm, service and scope', () => {
    const header = 'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:team/app:pull"';
    expect(parseBearerChallenge(header)).toEqual({ realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:team/app:pull' });
  });

  it('rejects Basic challenges', () => {
    expect(parseBearerChallenge('Basic realm="registry"')).toBeUndefined();
  });

  it('rejects a Bearer challenge without realm', () => {
    expect(parseBearerChallenge('Bearer service="registry.example"')).toBeUndefined();
  });
});

describe('parseIndex', () => {
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: 'sha256:aa', platform: { os: 'linux', architecture: 'arm', variant: 'v6' } },
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: 'sha256:bb', platform: { os: 'linux', architecture: 'arm64', variant: '' } },
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: 'sha256:cc' },
      ],
    }),
  );

  it('returns the entries that have a platform', () => {
    expect(parseIndex(index, digestOf(index))).toEqual([
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: 'sha256:aa', platform: { os: 'linux', architecture: 'arm', variant: 'v6' } },
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: 'sha256:bb', platform: { os: 'linux', architecture: 'arm64' } },
    ]);
  });

  it('rejects content whose digest differs', () => {
    expect(() => parseIndex(index, `sha256:${'0'.repeat(64)}`)).toThrowError(/returned content with digest sha256:/);
  });

  it('rejects a single-platform manifest', () => {
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, config: {}, layers: [] }));
    expect(() => parseIndex(manifest, digestOf(manifest))).toThrowError(/is not a multi-arch index/);
  });
});
