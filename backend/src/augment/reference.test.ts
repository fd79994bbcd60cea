import { describe, expect, it } from 'vitest';
import { ArmRunnerError } from '../errors.ts';
import { augmentedImageTag, parseImageReference } from './reference.ts';

describe('parseImageReference', () => {
  it('splits domain, path, tag and digest', () => {
    expect(parseImageReference('127.0.0.1:5000/team/app:1.0')).toEqual({ domain: '127.0.0.1:5000', path: 'team/app', tag: '1.0' });
    expect(parseImageReference('busybox')).toEqual({ path: 'busybox' });
    expect(parseImageReference(`app@sha256:${'a'.repeat(64)}`)).toEqual({ path: 'app', digest: `sha256:${'a'.repeat(64)}` });
    expect(parseImageReference('localhost/app:dev')).toEqual({ domain: 'localhost', path: 'app', tag: 'dev' });
  });

  it('recognises image ids', () => {
    expect(parseImageReference('f42fcc4c2aa9').imageId).toBe('f42fcc4c2aa9');
    expect(parseImageReference(`sha256:${'b'.repeat(64)}`).imageId).toBe(`sha256:${'b'.repeat(64)}`);
  });

  it.each([
    ['uppercase', 'Busybox:latest'],
    ['spaces', 'busy box'],
    ['empty', ''],
    ['4 KB long', 'a'.repeat(4096)],
    ['semicolon', 'busybox;rm -rf /'],
    ['command substitution', 'busybox$(id)'],
    ['backticks', 'busybox`id`'],
    ['path traversal in the tag', 'busybox:../../etc'],
    ['trailing slash', 'busybox/'],
    ['bad digest', 'busybox@sha256:xyz'],
  ])('rejects %s', (_case, reference) => {
    expect(() => parseImageReference(reference)).toThrowError(ArmRunnerError);
  });
});

describe('augmentedImageTag', () => {
  it('names the source and the platform under its own repository', () => {
    expect(augmentedImageTag(parseImageReference('arm-runner-fixture/httpd:armv7'), 'linux/arm/v7')).toBe(
      'arm-runner/arm-runner-fixture/httpd:armv7-linux-arm-v7',
    );
  });

  it('defaults the tag to latest', () => {
    expect(augmentedImageTag(parseImageReference('busybox'), 'linux/arm64')).toBe('arm-runner/busybox:latest-linux-arm64');
  });

  it('keeps the registry as a path component', () => {
    const tag = augmentedImageTag(parseImageReference('127.0.0.1:5000/x:multi'), 'linux/arm/v6');
    expect(tag).toBe('arm-runner/127.0.0.1-5000/x:multi-linux-arm-v6');
    expect(() => parseImageReference(tag)).not.toThrow();
  });

  it('names images given by id', () => {
    expect(augmentedImageTag(parseImageReference(`sha256:${'c'.repeat(64)}`), 'linux/arm/v7')).toBe(
      'arm-runner/image-cccccccccccc:linux-arm-v7',
    );
  });

  it('keeps long tags within 128 characters', () => {
    const tag = augmentedImageTag(parseImageReference(`app:${'t'.repeat(128)}`), 'linux/arm/v7');
    const tagPart = tag.slice(tag.lastIndexOf(':') + 1);
    expect(tagPart.length).toBeLessThanOrEqual(128);
    expect(tagPart.endsWith('-linux-arm-v7')).toBe(true);
    expect(() => parseImageReference(tag)).not.toThrow();
  });

  it.each([
    ['a hyphen', `${'a'.repeat(243)}-bbbbbbbbbb`, 'a'.repeat(243)],
    ['a slash', `${'a'.repeat(243)}/bbbbbbbbbb`, 'a'.repeat(243)],
    ['a double underscore', `${'a'.repeat(242)}__bbbbbbbbbb`, 'a'.repeat(242)],
  ])('drops %s left at the end of a shortened name', (_case, reference, expectedPath) => {
    // "arm-runner/" and the first 244 characters of the path fill the
    // 255-character limit, so the cut lands on the separator.
    const tag = augmentedImageTag(parseImageReference(reference), 'linux/arm/v7');
    expect(tag).toBe(`arm-runner/${expectedPath}:latest-linux-arm-v7`);
    expect(() => parseImageReference(tag)).not.toThrow();
  });

  it('produces a valid reference for digests', () => {
    const tag = augmentedImageTag(parseImageReference(`app@sha256:${'d'.repeat(64)}`), 'linux/arm64');
    expect(tag).toBe('arm-runner/app:dddddddddddd-linux-arm64');
  });
});
