// A route table: a method plus a path pattern whose segments are literal
// text, ":name" for one parameter segment, or a final "*" for the rest of the
// path. Matching is exact and case-sensitive, so "/runs/" and "//runs" are
// not "/runs".

export type RouteParams = Record<string, string>;

interface Route<Handler> {
  method: string;
  segments: string[];
  handler: Handler;
}

export interface RouteMatch<Handler> {
  handler: Handler;
  /** Parameter values, percent-decoded. The rest of the path of a "*" pattern is under "*". */
  params: RouteParams;
}

/** Raised for a path whose percent-encoding cannot be decoded. */
export class MalformedPathError extends Error {
  constructor(readonly path: string) {
    super(`The request path ${path} has a malformed percent-encoding.`);
    this.name = 'MalformedPathError';
  }
}

function decodeSegment(segment: string, path: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new MalformedPathError(path);
  }
}

function matchSegments(pattern: string[], segments: string[], path: string): RouteParams | undefined {
  const params: RouteParams = Object.create(null) as RouteParams;
  for (const [index, part] of pattern.entries()) {
    if (part === '*' && index === pattern.length - 1 && index < segments.length) {
      params['*'] = decodeSegment(segments.slice(index).join('/'), path);
      return params;
    }
    const segment = segments[index];
    if (segment === undefined) {
      return undefined;
    }
    if (part.startsWith(':')) {
      if (segment === '') {
        return undefined;
      }
      params[part.slice(1)] = decodeSegment(segment, path);
    } else if (part !== segment) {
      return undefined;
    }
  }
  return pattern.length === segments.length ? params : undefined;
}

export class Router<Handler> {
  private readonly routes: Route<Handler>[] = [];

  /** Adds a route. Patterns start with "/". An earlier route wins over a later one that also matches. */
  add(method: string, pattern: string, handler: Handler): void {
    if (!pattern.startsWith('/')) {
      throw new Error(`Route pattern ${pattern} must start with "/".`);
    }
    this.routes.push({ method: method.toUpperCase(), segments: pattern.slice(1).split('/'), handler });
  }

  /**
   * Finds the route for a method and a path without its query. HEAD uses the
   * GET routes. Throws MalformedPathError when a parameter cannot be decoded.
   */
  match(method: string, path: string): RouteMatch<Handler> | undefined {
    const routeMethod = method === 'HEAD' ? 'GET' : method;
    const segments = path.slice(1).split('/');
    for (const route of this.routes) {
      if (route.method !== routeMethod || !path.startsWith('/')) {
        continue;
      }
      const params = matchSegments(route.segments, segments, path);
      if (params !== undefined) {
        return { handler: route.handler, params };
      }
    }
    return undefined;
  }
}
