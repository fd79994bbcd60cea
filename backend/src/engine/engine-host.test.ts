import { describe, expect, it } from 'vitest';
import { ArmRunnerError } from '../errors.ts';
import { parseEngineHost } from './engine-host.ts';

function rejection(dockerHost: string, tlsVerify = ''): ArmRunnerError {
  try {
    parseEngineHost(dockerHost, tlsVerify);
  } catch (error) {
    expect(error).toBeInstanceOf(ArmRunnerError);
    return error as ArmRunnerError;
  }
  throw new Error(`parseEngineHost accepted ${dockerHost}`);
}

describe('parseEngineHost', () => {
  it('uses the default socket when unset', () => {
    expect(parseEngineHost('', '')).toEqual({ kind: 'unix', socketPath: '/var/run/docker.sock' });
  });

  it('reads a unix socket path', () => {
    expect(parseEngineHost('unix:///run/user/1000/docker.sock', '')).toEqual({ kind: 'unix', socketPath: '/run/user/1000/docker.sock' });
  });

  it('ignores DOCKER_TLS_VERIFY for a unix socket', () => {
    expect(parseEngineHost('unix:///var/run/docker.sock', '1')).toEqual({ kind: 'unix', socketPath: '/var/run/docker.sock' });
  });

  it('reads tcp host and port', () => {
    expect(parseEngineHost('tcp://127.0.0.1:2375', '')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 2375 });
    expect(parseEngineHost('tcp://engine.example:12375', '')).toEqual({ kind: 'tcp', host: 'engine.example', port: 12375 });
  });

  it('defaults the tcp port to 2375', () => {
    expect(parseEngineHost('tcp://127.0.0.1', '')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 2375 });
  });

  it('strips IPv6 brackets', () => {
    expect(parseEngineHost('tcp://[::1]:2375', '')).toEqual({ kind: 'tcp', host: '::1', port: 2375 });
  });

  it('rejects ssh with the forwarding fix', () => {
    const error = rejection('ssh://user@engine.example');
    expect(error.code).toBe('ENGINE_UNREACHABLE');
    expect(error.message).toContain('uses SSH');
    expect(error.message).toContain('unix:///path/to/docker.sock');
    expect(error.message).toContain('ssh -NL /tmp/docker.sock:/var/run/docker.sock');
  });

  it('rejects TLS over tcp', () => {
    const error = rejection('tcp://127.0.0.1:2375', '1');
    expect(error.code).toBe('ENGINE_UNREACHABLE');
    expect(error.message).toContain('DOCKER_TLS_VERIFY is set');
    expect(error.message).toContain('does not connect to the engine over TLS');
  });

  it('rejects the TLS port 2376', () => {
    const error = rejection('tcp://127.0.0.1:2376');
    expect(error.message).toContain('port 2376');
    expect(error.message).toContain('plain port (2375');
  });

  it('rejects other schemes', () => {
    expect(rejection('npipe:////./pipe/docker_engine').message).toContain('uses npipe://');
    expect(rejection('https://127.0.0.1:2376').message).toContain('uses https://');
    expect(rejection('fd://').message).toContain('uses fd://');
  });

  it('rejects a value without scheme', () => {
    expect(rejection('127.0.0.1:2375').message).toContain('has no scheme');
  });

  it('rejects a relative unix path', () => {
    expect(rejection('unix://docker.sock').message).toContain('absolute socket path');
  });

  it('rejects a tcp address with a path', () => {
    expect(rejection('tcp://127.0.0.1:2375/v1.41').message).toContain('not a plain tcp://host:port address');
  });
});
