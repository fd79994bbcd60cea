import http from 'node:http';

export interface SocketReply {
  status: number;
  body: unknown;
}

/** Sends one JSON request over a unix socket, as Docker Desktop does, and parses the reply. */
export function requestOverSocket(socketPath: string, method: string, route: string, body?: unknown): Promise<SocketReply> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers = payload === undefined ? {} : { 'content-type': 'application/json' };
    const request = http.request({ socketPath, path: route, method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: response.statusCode ?? 0, body: text === '' ? undefined : JSON.parse(text) });
      });
    });
    request.on('error', reject);
    request.end(payload);
  });
}
