import http from 'node:http';

/** Resolves true when an HTTP server responds at the URL, whatever the status code. */
export function respondsToHttp(url: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get(url, { timeout: timeoutMs, headers: { 'user-agent': 'arm-runner-probe' } }, (response) => {
      response.resume();
      resolve(true);
    });
    request.on('timeout', () => {
      request.destroy();
      resolve(false);
    });
    request.on('error', () => resolve(false));
  });
}
