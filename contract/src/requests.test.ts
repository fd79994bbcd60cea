import { describe, expect, it } from 'vitest';
import { PullRequestSchema, RunRequestSchema } from './requests.ts';
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
