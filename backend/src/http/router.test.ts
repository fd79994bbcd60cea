import { describe, expect, it } from 'vitest';
import { MalformedPathError, Router } from './router.ts';

function router(): Router<string> {
  const routes = new Router<string>();
  routes.add('GET', '/runs', 'list runs');
  routes.add('GET', '/runs/:id', 'get run');
  routes.add('GET', '/runs/:id/logs', 'get logs');
  routes.add('DELETE', '/runs/:id', 'remove run');
  routes.add('GET', '/assets/*', 'asset');
  return routes;
}

describe('Router', () => {
  it('matches literal paths by method', () => {
    expect(router().match('GET', '/runs')?.handler).toBe('list runs');
    expect(router().match('POST', '/runs')).toBeUndefined();
  });

  it('decodes parameters', () => {
    const match = router().match('GET', '/runs/a%2F..%2Fb');
    expect(match?.handler).toBe('get run');
    expect(match?.params).toEqual({ id: 'a/../b' });
  });

  it('picks the route by method for the same path', () => {
    expect(router().match('DELETE', '/runs/abc')?.handler).toBe('remove run');
    expect(router().match('GET', '/runs/abc/logs')?.params).toEqual({ id: 'abc' });
  });

  it('serves HEAD from the GET routes', () => {
    expect(router().match('HEAD', '/runs')?.handler).toBe('list runs');
  });

  it('matches exactly', () => {
    for (const path of ['/runs/', '//runs', '/RUNS', '/runs/abc/logs/more', '/runs//logs', 'runs', '']) {
      expect(router().match('GET', path), path).toBeUndefined();
    }
  });

  it('gives the rest of the path to a wildcard', () => {
    expect(router().match('GET', '/assets/fonts/a%20b.woff2')?.params).toEqual({ '*': 'fonts/a b.woff2' });
    expect(router().match('GET', '/assets/')?.params).toEqual({ '*': '' });
    expect(router().match('GET', '/assets')).toBeUndefined();
  });

  it('throws for a malformed percent-encoding', () => {
    expect(() => router().match('GET', '/runs/a%zz')).toThrow(MalformedPathError);
  });

  it('prefers the route added first', () => {
    const routes = new Router<string>();
    routes.add('GET', '/runs/:id', 'parameter');
    routes.add('GET', '/runs/latest', 'literal');
    expect(routes.match('GET', '/runs/latest')?.handler).toBe('parameter');
  });

  it('rejects a pattern without a leading slash', () => {
    expect(() => new Router<string>().add('GET', 'runs', 'x')).toThrow(/must start with/);
  });
});
