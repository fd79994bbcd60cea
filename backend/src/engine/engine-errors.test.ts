import { describe, expect, it } from 'vitest';
import { engineStatusCode, fromEngineError } from './engine-errors.ts';
import { EngineApiError } from './transport.ts';

function engineFailure(message: string): Error {
  return new EngineApiError(500, message, 'POST /containers/x/start');
}

describe('fromEngineError', () => {
  it('maps a busy port', () => {
    const error = fromEngineError(engineFailure('driver failed programming external connectivity: Bind for 127.0.0.1:8080 failed: port is already allocated'), 'start x');
    expect(error.code).toBe('PORT_BUSY');
    expect(error.message).toContain('8080');
  });

  it('maps a privileged port that a rootless engine refuses', () => {
    const rootless =
      'driver failed programming external connectivity on endpoint x: Error starting userland proxy: error while calling PortManager.AddPort(): ' +
      "cannot expose privileged port 80, you can add 'net.ipv4.ip_unprivileged_port_start=80' to /etc/sysctl.conf (currently 1024), " +
      'or set CAP_NET_BIND_SERVICE on rootlesskit binary, or choose a larger port number (>= 1024): listen tcp4 127.0.0.1:80: bind: permission denied';
    const error = fromEngineError(engineFailure(rootless), 'start x');
    expect(error.code).toBe('INVALID_PORT');
    expect(error.message).toContain('host port 80');
    expect(error.message).toContain('1024 or more');
    expect(error.detail).toContain('cannot expose privileged port 80');
  });

  it('keeps other failures as engine errors', () => {
    expect(fromEngineError(engineFailure('something else'), 'start x').code).toBe('ENGINE_ERROR');
  });

  it('keeps the engine message as detail', () => {
    const error = fromEngineError(new EngineApiError(409, 'Conflict. The container name "/x" is already in use', 'POST /containers/create'), 'create x');
    expect(error.code).toBe('ENGINE_ERROR');
    expect(error.message).toBe('The Docker engine failed to create x.');
    expect(error.detail).toBe('Conflict. The container name "/x" is already in use');
  });

  it('reads the status code', () => {
    expect(engineStatusCode(new EngineApiError(404, 'No such image: x', 'GET /images/x/json'))).toBe(404);
    expect(engineStatusCode(new Error('plain'))).toBeUndefined();
    expect(engineStatusCode(undefined)).toBeUndefined();
  });

  it('maps a missing socket to unreachable', () => {
    const error = fromEngineError(Object.assign(new Error('connect ENOENT /var/run/docker.sock'), { code: 'ENOENT' }), 'ping it');
    expect(error.code).toBe('ENGINE_UNREACHABLE');
  });
});
