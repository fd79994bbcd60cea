import { describe, expect, it } from 'vitest';
import { parseImageReference } from './reference.ts';
import { localPlatformMismatchError } from './source-image.ts';

describe('localPlatformMismatchError', () => {
  it('explains that a local tag has one platform', () => {
    const reference = 'registry.example/app:1.0';
    const error = localPlatformMismatchError(reference, parseImageReference(reference), 'linux/arm/v7', 'linux/arm/v6');
    expect(error.code).toBe('PLATFORM_MISMATCH');
    expect(error.message).toContain('The local image registry.example/app:1.0 is linux/arm/v7, not linux/arm/v6.');
    expect(error.message).toContain('A local tag names one image with one platform, so --platform cannot pick another platform from it');
    expect(error.message).toContain('"arm-runner pull registry.example/app:1.0 --platform linux/arm/v6"');
    expect(error.message).toContain('choose --platform linux/arm/v7');
  });

  it('offers no --platform for a non-ARM image', () => {
    const reference = 'registry.example/app:1.0';
    const error = localPlatformMismatchError(reference, parseImageReference(reference), 'linux/amd64', 'linux/arm/v7');
    expect(error.message).toContain('is linux/amd64, not linux/arm/v7');
    expect(error.message).not.toContain('--platform linux/amd64');
  });

  it('offers no pull for an image id', () => {
    const reference = 'f42fcc4c2aa9';
    const error = localPlatformMismatchError(reference, parseImageReference(reference), 'linux/arm64', 'linux/arm/v7');
    expect(error.message).toContain('A local image id names one image');
    expect(error.message).not.toContain('arm-runner pull');
    expect(error.message).toContain('Choose --platform linux/arm64');
  });

  it('offers build or load for an image that came from no registry', () => {
    const reference = 'arm-runner-fixture/httpd:armv7';
    const error = localPlatformMismatchError(reference, parseImageReference(reference), 'linux/arm/v7', 'linux/arm64', false);
    expect(error.message).not.toContain('arm-runner pull');
    expect(error.message).toContain('build or load an image that is linux/arm64');
  });
});
