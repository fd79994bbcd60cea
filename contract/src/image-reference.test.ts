import { describe, expect, it } from 'vitest';
import { checkImageReference } from './image-reference.ts';

describe('checkImageReference and path traversal', () => {
  it('rejects ".." as a part', () => {
    const check = checkImageReference('busybox:../../etc/passwd');
    expect(check.ok).toBe(false);
    expect(check.ok ? '' : check.reason).toContain('".." as a path part');
  });

  it('keeps a tag with two dots inside', () => {
    expect(checkImageReference('busybox:1..2').ok).toBe(true);
  });
});
