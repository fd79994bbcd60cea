import { describe, expect, it } from 'vitest';
import { HandlerInstallRequestSchema, IdParamsSchema, LogsQuerySchema, PullRequestSchema, RunRequestSchema, StatusQuerySchema } from './requests.ts';
import { runLogsPath, runPath } from './routes.ts';

describe('RunRequestSchema', () => {
  it('fills in defaults', () => {
    expect(RunRequestSchema.parse({ image: 'busybox' })).toEqual({ image: 'busybox', publish: [], exposeOnLan: false, waitSeconds: 60 });
  });

  it('rejects unknown fields', () => {
    expect(RunRequestSchema.safeParse({ image: 'busybox', privileged: true }).success).toBe(false);
  });

  it('rejects wrong types', () => {
    expect(RunRequestSchema.safeParse({ image: 42 }).success).toBe(false);
    expect(RunRequestSchema.safeParse({ image: 'busybox', publish: [{ containerPort: '80' }] }).success).toBe(false);
    expect(RunRequestSchema.safeParse({ image: 'busybox', exposeOnLan: 'yes' }).success).toBe(false);
  });

  it('rejects an empty image', () => {
    expect(RunRequestSchema.safeParse({ image: '   ' }).success).toBe(false);
  });

  it('trims the image and platform', () => {
    expect(RunRequestSchema.parse({ image: ' busybox ', platform: ' linux/arm/v7 ' })).toMatchObject({ image: 'busybox', platform: 'linux/arm/v7' });
  });

  it('names each problem by its field', () => {
    const result = RunRequestSchema.safeParse({ image: '', publish: [{ containerPort: 0, hostPort: 70000, protocol: 'sctp' }], waitSeconds: 1.5 });
    expect(result.success ? [] : result.issues).toEqual([
      { path: ['image'], message: 'Image reference is empty.' },
      { path: ['publish', 0, 'hostPort'], message: 'must be at most 65535' },
      { path: ['publish', 0, 'containerPort'], message: 'must be at least 1' },
      { path: ['publish', 0, 'protocol'], message: 'expected one of "tcp", "udp", received "sctp"' },
      { path: ['waitSeconds'], message: 'expected a whole number, received 1.5' },
    ]);
  });

  it('states the image length limit', () => {
    const result = RunRequestSchema.safeParse({ image: 'a'.repeat(513) });
    expect(result.success ? [] : result.issues).toEqual([{ path: ['image'], message: 'Image reference is longer than 512 characters.' }]);
  });

  it('fills in the protocol of a mapping', () => {
    expect(RunRequestSchema.parse({ image: 'busybox', publish: [{ containerPort: 80 }] }).publish).toEqual([{ containerPort: 80, protocol: 'tcp' }]);
  });

  it('rejects more than 64 mappings', () => {
    const publish = Array.from({ length: 65 }, () => ({ containerPort: 80 }));
    expect(RunRequestSchema.safeParse({ image: 'busybox', publish }).success).toBe(false);
  });

  it('rejects null where a default exists', () => {
    expect(RunRequestSchema.safeParse({ image: 'busybox', waitSeconds: null }).success).toBe(false);
  });
});

describe('HandlerInstallRequestSchema', () => {
  it('defaults the flags to F', () => {
    expect(HandlerInstallRequestSchema.parse({ arches: ['arm'] })).toEqual({ arches: ['arm'], flags: 'F' });
  });

  it('accepts no flags', () => {
    expect(HandlerInstallRequestSchema.parse({ arches: ['arm', 'aarch64'], flags: '' }).flags).toBe('');
  });

  it('says which flag letters are allowed', () => {
    const result = HandlerInstallRequestSchema.safeParse({ arches: ['x86_64'], flags: 'X' });
    expect(result.success ? [] : result.issues).toEqual([
      { path: ['arches', 0], message: 'expected one of "arm", "aarch64", received "x86_64"' },
      { path: ['flags'], message: 'Use letters from P, O, C and F.' },
    ]);
  });
});

describe('query schemas', () => {
  it('default the status refresh to false', () => {
    expect(StatusQuerySchema.parse({})).toEqual({ refresh: 'false' });
    expect(StatusQuerySchema.safeParse({ refresh: 'maybe' }).success).toBe(false);
  });

  it('convert the logs tail from text', () => {
    expect(LogsQuerySchema.parse({})).toEqual({ tail: 200 });
    expect(LogsQuerySchema.parse({ tail: '50' })).toEqual({ tail: 50 });
    expect(LogsQuerySchema.safeParse({ tail: '0' }).success).toBe(false);
    expect(LogsQuerySchema.safeParse({ tail: '10001' }).success).toBe(false);
    expect(LogsQuerySchema.safeParse({ tail: ['1', '2'] }).success).toBe(false);
  });

  it('limit an id to 128 characters', () => {
    expect(IdParamsSchema.parse({ id: 'a'.repeat(128) }).id).toHaveLength(128);
    expect(IdParamsSchema.safeParse({ id: 'a'.repeat(129) }).success).toBe(false);
    expect(IdParamsSchema.safeParse({ id: '' }).success).toBe(false);
  });
});

describe('PullRequestSchema', () => {
  it('requires the platform', () => {
    expect(PullRequestSchema.safeParse({ image: 'registry.example/app:1' }).success).toBe(false);
    expect(PullRequestSchema.parse({ image: 'registry.example/app:1', platform: 'linux/arm/v7' })).toEqual({
      image: 'registry.example/app:1',
      platform: 'linux/arm/v7',
    });
  });

  it('rejects unknown fields', () => {
    expect(PullRequestSchema.safeParse({ image: 'registry.example/app:1', platform: 'linux/arm/v7', tag: 'latest' }).success).toBe(false);
  });
});

describe('route helpers', () => {
  it('encode path segments', () => {
    expect(runPath('a/../b')).toBe('/runs/a%2F..%2Fb');
    expect(runLogsPath('abc', 50)).toBe('/runs/abc/logs?tail=50');
  });
});
