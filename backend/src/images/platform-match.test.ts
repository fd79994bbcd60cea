import { describe, expect, it } from 'vitest';
import { describeOciPlatform, platformNotOfferedError, pulledPlatformMismatchError, selectPlatform, type OciPlatform } from './platform-match.ts';

const AMD64: OciPlatform = { os: 'linux', architecture: 'amd64' };
const ARM_V6: OciPlatform = { os: 'linux', architecture: 'arm', variant: 'v6' };
const ARM_V7: OciPlatform = { os: 'linux', architecture: 'arm', variant: 'v7' };
const ARM_NO_VARIANT: OciPlatform = { os: 'linux', architecture: 'arm' };
const ARM64_V8: OciPlatform = { os: 'linux', architecture: 'arm64', variant: 'v8' };
const ARM64: OciPlatform = { os: 'linux', architecture: 'arm64' };

const select = (offered: OciPlatform[], requested: Parameters<typeof selectPlatform>[2]) =>
  selectPlatform(offered, (platform) => platform, requested);

describe('describeOciPlatform', () => {
  it('joins os, architecture and variant', () => {
    expect(describeOciPlatform(ARM_V7)).toBe('linux/arm/v7');
  });

  it('leaves out an empty variant', () => {
    expect(describeOciPlatform({ os: 'linux', architecture: 'amd64', variant: '' })).toBe('linux/amd64');
  });
});

describe('selectPlatform', () => {
  it('picks arm/v6 and arm/v7 by their own variant', () => {
    const offered = [AMD64, ARM64_V8, ARM_V6, ARM_V7];
    expect(select(offered, 'linux/arm/v6')).toEqual({ entry: ARM_V6, warnings: [] });
    expect(select(offered, 'linux/arm/v7')).toEqual({ entry: ARM_V7, warnings: [] });
  });

  it('never lets v7 stand in for v6', () => {
    expect(select([AMD64, ARM_V7], 'linux/arm/v6')).toBeUndefined();
  });

  it('never lets v6 stand in for v7', () => {
    expect(select([AMD64, ARM_V6], 'linux/arm/v7')).toBeUndefined();
  });

  it('never lets arm without variant stand in for v6', () => {
    expect(select([ARM_NO_VARIANT], 'linux/arm/v6')).toBeUndefined();
  });

  it('takes arm without variant as v7 with a warning', () => {
    const selection = select([AMD64, ARM_NO_VARIANT], 'linux/arm/v7');
    expect(selection?.entry).toBe(ARM_NO_VARIANT);
    expect(selection?.warnings).toHaveLength(1);
    expect(selection?.warnings[0]?.message).toContain('no variant');
  });

  it('prefers an explicit v7 over arm without variant', () => {
    expect(select([ARM_NO_VARIANT, ARM_V7], 'linux/arm/v7')).toEqual({ entry: ARM_V7, warnings: [] });
  });

  it('matches arm64 with variant v8 or none', () => {
    expect(select([AMD64, ARM64_V8], 'linux/arm64')?.entry).toBe(ARM64_V8);
    expect(select([AMD64, ARM64], 'linux/arm64')?.entry).toBe(ARM64);
  });

  it('ignores other operating systems', () => {
    expect(select([{ os: 'windows', architecture: 'arm64' }], 'linux/arm64')).toBeUndefined();
  });

  it('returns undefined for an empty list', () => {
    expect(select([], 'linux/arm64')).toBeUndefined();
  });
});

describe('platformNotOfferedError', () => {
  it('lists what an index offers and the ARM choices', () => {
    const error = platformNotOfferedError('registry.example/app:1', 'linux/arm/v6', [AMD64, ARM_V7, ARM64_V8], true);
    expect(error.code).toBe('PLATFORM_NOT_OFFERED');
    expect(error.message).toBe(
      'The multi-arch index of registry.example/app:1 lists linux/amd64, linux/arm/v7, linux/arm64/v8, but not linux/arm/v6. ' +
        'Nothing was pulled. Choose --platform linux/arm/v7 or --platform linux/arm64, or use an image built for linux/arm/v6.',
    );
  });

  it('names the one platform of a single-platform image', () => {
    const error = platformNotOfferedError('registry.example/app:v7', 'linux/arm/v6', [ARM_V7], false);
    expect(error.message).toContain('registry.example/app:v7 is a single-platform image for linux/arm/v7 in its registry, not linux/arm/v6.');
    expect(error.message).toContain('Nothing was pulled.');
  });

  it('says when no ARM platform is offered', () => {
    const error = platformNotOfferedError('registry.example/app:1', 'linux/arm64', [AMD64], true);
    expect(error.message).toContain('It offers no platform that ARM Runner emulates');
    expect(error.message).not.toContain('--platform');
  });
});

describe('pulledPlatformMismatchError', () => {
  it('names the requested and the pulled platform', () => {
    const error = pulledPlatformMismatchError('registry.example/app:1', 'linux/arm/v6', 'registry.example/app@sha256:abc', 'linux/arm/v7', true);
    expect(error.code).toBe('PLATFORM_MISMATCH');
    expect(error.message).toContain('is linux/arm/v7, not linux/arm/v6');
    expect(error.message).toContain('removed the reference that the pull had created');
  });

  it('says nothing was removed when the reference was there before', () => {
    const error = pulledPlatformMismatchError('registry.example/app:1', 'linux/arm64', 'registry.example/app@sha256:abc', 'linux/amd64', false);
    expect(error.message).toContain('It stopped here.');
    expect(error.message).not.toContain('removed');
  });
});
