import { describe, expect, it } from 'vitest';
import { compareText } from './ordering.ts';

describe('compareText', () => {
  it('orders handler names', () => {
    expect(['qemu-arm', 'python3.11', 'qemu-aarch64'].sort(compareText)).toEqual(['python3.11', 'qemu-aarch64', 'qemu-arm']);
  });

  it('gives 0 for equal text', () => {
    expect(compareText('qemu-arm', 'qemu-arm')).toBe(0);
  });

  it('is antisymmetric', () => {
    expect(compareText('a', 'b')).toBe(-1);
    expect(compareText('b', 'a')).toBe(1);
  });
});
