import { createHash } from 'node:crypto';
import { isIPv4 } from 'node:net';
import type { OciPlatform } from './platform-match.ts';

// The engine's distribution endpoint (GET /distribution/{name}/json, API 1.41)
// returns the platforms of an index but not the digest of each platform's
// manifest. ARM Runner needs that digest, because engine 20.10 maps a digest
// reference to one image only: after one platform was pulled by the index
// digest, pulling a second one by the same digest fails with "Cannot overwrite
// digest". So the backend reads the index itself, anonymously, and the engine
// then pulls repository@<platform manifest digest>.

export const INDEX_MEDIA_TYPES = [
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.index.v1+json',
] as const;

const REQUEST_TIMEOUT_MS = 30_000;
const MAX_INDEX_BYTES = 4 * 1024 * 1024;

/** One entry of a multi-arch index. */
export interface IndexEntry {
  digest: string;
  mediaType: string;
  platform: OciPlatform;
}

/** The registry settings from the engine's GET /info response, which mark the registries reached over plain HTTP. */
export interface EngineRegistryConfig {
  InsecureRegistryCIDRs?: string[];
  IndexConfigs?: Record<string, { Secure?: boolean }>;
}

/** The base URL of a reference's registry, and the repository path inside it. */
export interface RegistryLocation {
  /** For example https://registry-1.docker.io or http://127.0.0.1:5000. */
  baseUrl: string;
  repository: string;
}

const DOCKER_HUB_DOMAINS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

function ipv4ToNumber(address: string): number {
  return address.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
}

/** Returns whether an IPv4 address lies in a CIDR range such as 127.0.0.0/8. IPv6 ranges never match. */
export function ipv4InCidr(address: string, cidr: string): boolean {
  const [network, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  if (network === undefined || !isIPv4(address) || !isIPv4(network) || !Number.isInteger(bits) || bits < 0 || bits > 32) {
    return false;
  }
  const size = 2 ** (32 - bits);
  return Math.floor(ipv4ToNumber(address) / size) === Math.floor(ipv4ToNumber(network) / size);
}

/**
 * Locates the registry of a reference the way the engine does: Docker Hub for
 * a reference without a domain (with library/ for one-part names), and plain
 * HTTP for a registry the engine's config marks insecure. The engine also
 * counts every host in InsecureRegistryCIDRs, 127.0.0.0/8 by default, as insecure.
 *
 * NOTE: the engine resolves host names to check them against those ranges.
 * This function checks IPv4 literals and "localhost" only, so a host name that
 * resolves into an insecure range is tried over HTTPS.
 */
export function locateRegistry(domain: string | undefined, path: string, config: EngineRegistryConfig): RegistryLocation {
  if (domain === undefined || DOCKER_HUB_DOMAINS.has(domain)) {
    return { baseUrl: 'https://registry-1.docker.io', repository: path.includes('/') ? path : `library/${path}` };
  }

  const host = domain.replace(/:\d+$/, '');
  const marked = config.IndexConfigs?.[domain]?.Secure === false;
  const inRange = (config.InsecureRegistryCIDRs ?? []).some((cidr) => ipv4InCidr(host === 'localhost' ? '127.0.0.1' : host, cidr));
  return { baseUrl: `${marked || inRange ? 'http' : 'https'}://${domain}`, repository: path };
}

/** The parameters of a `WWW-Authenticate: Bearer …` challenge. */
export interface BearerChallenge {
  realm: string;
  service?: string;
  scope?: string;
}

/** Parses a Bearer challenge, or returns undefined for any other scheme (Basic needs credentials ARM Runner does not have). */
export function parseBearerChallenge(header: string): BearerChallenge | undefined {
  const match = /^\s*Bearer\s+(.*)$/i.exec(header);
  if (match === null) {
    return undefined;
  }
  const parameters = new Map<string, string>();
  for (const pair of (match[1] ?? '').matchAll(/([a-zA-Z_]+)="([^"]*)"/g)) {
    parameters.set((pair[1] ?? '').toLowerCase(), pair[2] ?? '');
  }
  const realm = parameters.get('realm');
  if (realm === undefined || realm === '') {
    return undefined;
  }
  const service = parameters.get('service');
  const scope = parameters.get('scope');
  return { realm, ...(service === undefined ? {} : { service }), ...(scope === undefined ? {} : { scope }) };
}

/**
 * Parses a multi-arch index (Docker manifest list or OCI image index) and
 * checks that its bytes have the expected digest. Entries without a platform
 * (such as attestation manifests) are left out.
 */
export function parseIndex(body: Buffer, expectedDigest: string): IndexEntry[] {
  const actualDigest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
  if (actualDigest !== expectedDigest) {
    throw new Error(`the registry returned content with digest ${actualDigest} for ${expectedDigest}`);
  }

  const parsed = JSON.parse(body.toString('utf8')) as { mediaType?: string; manifests?: unknown };
  if (!Array.isArray(parsed.manifests)) {
    throw new Error(`${expectedDigest} is not a multi-arch index: it has no "manifests" list`);
  }

  const entries: IndexEntry[] = [];
  for (const item of parsed.manifests as { digest?: unknown; mediaType?: unknown; platform?: Partial<OciPlatform> }[]) {
    const platform = item.platform;
    if (typeof item.digest !== 'string' || typeof platform?.os !== 'string' || typeof platform.architecture !== 'string') {
      continue;
    }
    entries.push({
      digest: item.digest,
      mediaType: typeof item.mediaType === 'string' ? item.mediaType : '',
      platform: {
        os: platform.os,
        architecture: platform.architecture,
        ...(typeof platform.variant === 'string' && platform.variant !== '' ? { variant: platform.variant } : {}),
      },
    });
  }
  return entries;
}

async function fetchWithTimeout(url: string, headers: Record<string, string>): Promise<Response> {
  return fetch(url, { headers, redirect: 'follow', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
}

async function anonymousToken(challenge: BearerChallenge, repository: string): Promise<string> {
  const url = new URL(challenge.realm);
  if (challenge.service !== undefined) {
    url.searchParams.set('service', challenge.service);
  }
  url.searchParams.set('scope', challenge.scope ?? `repository:${repository}:pull`);

  const response = await fetchWithTimeout(url.toString(), {});
  if (!response.ok) {
    throw new Error(`the token service ${url.origin} responded ${response.status} to an anonymous request`);
  }
  const body = (await response.json()) as { token?: string; access_token?: string };
  const token = body.token ?? body.access_token;
  if (token === undefined) {
    throw new Error(`the token service ${url.origin} returned no token`);
  }
  return token;
}

/**
 * Reads the index with the given digest from the registry, anonymously, and
 * returns its entries. Throws a plain Error that names the failure, and the
 * caller decides how to go on without the per-platform digests.
 */
export async function readIndex(location: RegistryLocation, digest: string): Promise<IndexEntry[]> {
  const url = `${location.baseUrl}/v2/${location.repository}/manifests/${digest}`;
  const headers: Record<string, string> = { accept: INDEX_MEDIA_TYPES.join(', ') };

  let response = await fetchWithTimeout(url, headers);
  if (response.status === 401) {
    const challenge = parseBearerChallenge(response.headers.get('www-authenticate') ?? '');
    if (challenge === undefined) {
      throw new Error(`${location.baseUrl} asks for credentials to read ${location.repository}`);
    }
    headers.authorization = `Bearer ${await anonymousToken(challenge, location.repository)}`;
    response = await fetchWithTimeout(url, headers);
  }
  if (!response.ok) {
    throw new Error(`${url} responded ${response.status}`);
  }

  const body = Buffer.from(await response.arrayBuffer());
  if (body.length > MAX_INDEX_BYTES) {
    throw new Error(`the index at ${url} is larger than ${MAX_INDEX_BYTES} bytes`);
  }
  return parseIndex(body, digest);
}
