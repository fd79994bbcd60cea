import { ArmRunnerError } from '../errors.ts';

/** The socket that Docker engines on Linux listen on when DOCKER_HOST is not set. */
export const DEFAULT_SOCKET_PATH = '/var/run/docker.sock';

/** The plain-HTTP port of the Engine API, used when a tcp:// DOCKER_HOST names none. */
const DEFAULT_TCP_PORT = 2375;

/** The port that Docker uses by convention for the Engine API over TLS. */
const TLS_PORT = 2376;

/** The address of the Engine API: a unix socket, or a host and port over plain HTTP. */
export type EngineAddress = { kind: 'unix'; socketPath: string } | { kind: 'tcp'; host: string; port: number };

const SUPPORTED = 'ARM Runner supports a unix socket (unix:///path/to/docker.sock) and plain TCP without TLS (tcp://host:port).';
const FORWARD_SOCKET =
  'To reach a remote engine, forward its socket, for example with "ssh -NL /tmp/docker.sock:/var/run/docker.sock user@host", and set DOCKER_HOST=unix:///tmp/docker.sock.';

function unsupportedHost(message: string): ArmRunnerError {
  return new ArmRunnerError('ENGINE_UNREACHABLE', message);
}

/**
 * Parses DOCKER_HOST into the address of the Engine API. An empty value
 * means the default unix socket. SSH, TLS and other transports are not
 * implemented, so they fail here with ENGINE_UNREACHABLE instead of sending
 * plain HTTP to an endpoint that expects something else. DOCKER_TLS_VERIFY
 * counts as set when it is not empty, as in the Docker CLI, and only matters
 * for tcp:// because a unix socket never uses TLS.
 */
export function parseEngineHost(dockerHost: string, tlsVerify: string): EngineAddress {
  if (dockerHost === '') {
    return { kind: 'unix', socketPath: DEFAULT_SOCKET_PATH };
  }

  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(dockerHost)?.[1]?.toLowerCase();
  if (scheme === 'unix') {
    const socketPath = dockerHost.slice('unix://'.length);
    if (!socketPath.startsWith('/')) {
      throw unsupportedHost(`DOCKER_HOST "${dockerHost}" is invalid: a unix:// address needs an absolute socket path, for example unix:///var/run/docker.sock.`);
    }
    return { kind: 'unix', socketPath };
  }
  if (scheme === 'tcp') {
    if (tlsVerify !== '') {
      throw unsupportedHost(`DOCKER_TLS_VERIFY is set for DOCKER_HOST "${dockerHost}", but ARM Runner does not connect to the engine over TLS. ${SUPPORTED} ${FORWARD_SOCKET}`);
    }
    return parseTcpHost(dockerHost);
  }
  if (scheme === 'ssh') {
    throw unsupportedHost(`DOCKER_HOST "${dockerHost}" uses SSH, which ARM Runner does not support. ${SUPPORTED} ${FORWARD_SOCKET}`);
  }
  const problem = scheme === undefined ? 'has no scheme' : `uses ${scheme}://, which ARM Runner does not support`;
  throw unsupportedHost(`DOCKER_HOST "${dockerHost}" ${problem}. ${SUPPORTED} Set DOCKER_HOST to one of these, or unset it to use ${DEFAULT_SOCKET_PATH}.`);
}

function parseTcpHost(dockerHost: string): EngineAddress {
  let url: URL;
  try {
    url = new URL(dockerHost);
  } catch {
    throw unsupportedHost(`DOCKER_HOST "${dockerHost}" is not a valid tcp:// address. Set it to tcp://host:port, for example tcp://127.0.0.1:2375.`);
  }
  if (url.hostname === '' || (url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.username !== '') {
    throw unsupportedHost(`DOCKER_HOST "${dockerHost}" is not a plain tcp://host:port address. Set it to, for example, tcp://127.0.0.1:2375.`);
  }

  const port = url.port === '' ? DEFAULT_TCP_PORT : Number(url.port);
  if (port === TLS_PORT) {
    throw unsupportedHost(
      `DOCKER_HOST "${dockerHost}" names port ${TLS_PORT}, which Docker uses for the Engine API over TLS, and ARM Runner does not connect over TLS. ` +
        `${SUPPORTED} Use the engine's plain port (${DEFAULT_TCP_PORT} by convention). ${FORWARD_SOCKET}`,
    );
  }
  // URL keeps the brackets of an IPv6 address, which http.request does not accept.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return { kind: 'tcp', host, port };
}
