import type { IncomingMessage } from 'node:http';

/** A request the server rejects before any route runs, with its 4xx status. */
export class RequestError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}

function tooLarge(limit: number): RequestError {
  return new RequestError(413, `The request body is larger than ${limit} bytes. Send only the JSON fields that docs/api.md lists.`);
}

/** Reads the whole body, or rejects with 413 as soon as it grows past `limit` bytes. */
export function readRawBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.reject(tooLarge(limit));
  }

  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;

    const stop = (): void => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
      request.off('close', onClose);
    };
    function onData(chunk: Buffer): void {
      size += chunk.length;
      if (size > limit) {
        stop();
        // The rest of the body stays unread. The reply closes the connection, so it is never parsed.
        request.pause();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    }
    function onEnd(): void {
      stop();
      resolve(Buffer.concat(chunks));
    }
    function onError(error: Error): void {
      stop();
      reject(error);
    }
    function onClose(): void {
      stop();
      reject(new RequestError(400, 'The client closed the connection before the request body was complete.'));
    }

    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
    request.on('close', onClose);
  });
}

/**
 * Rejects the keys that could change an object's prototype when a handler
 * later copies or merges the parsed value.
 */
function rejectPrototypeKeys(key: string, value: unknown): unknown {
  if (key === '__proto__' || (key === 'constructor' && typeof value === 'object' && value !== null && Object.hasOwn(value, 'prototype'))) {
    throw new RequestError(400, `The request body contains the key "${key}", which is not allowed in JSON sent to this API.`);
  }
  return value;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text, rejectPrototypeKeys);
  } catch (error) {
    if (error instanceof RequestError) {
      throw error;
    }
    throw new RequestError(400, `The request body is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * Parses a body by its content-type: application/json gives the JSON value
 * and text/plain the text. An empty body without a content-type gives
 * undefined. Any other content-type is rejected with 415.
 */
export function parseBody(contentType: string | undefined, raw: Buffer): unknown {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  if (mediaType === undefined && raw.length === 0) {
    return undefined;
  }
  if (mediaType === 'application/json') {
    if (raw.length === 0) {
      throw new RequestError(400, 'The request body is empty, but its content-type is application/json. Send a JSON object, or no content-type with no body.');
    }
    return parseJson(raw.toString('utf8'));
  }
  if (mediaType === 'text/plain') {
    return raw.toString('utf8');
  }
  const given = mediaType === undefined ? 'A body without a content-type' : `Content-type ${mediaType}`;
  throw new RequestError(415, `${given} is not supported. Send the body as application/json.`);
}
