import { describe, expect, it } from 'vitest';
import { layerStatusPrinter } from './platform-pull.ts';

describe('layerStatusPrinter', () => {
  it('prints each new layer status once', () => {
    const lines: string[] = [];
    const print = layerStatusPrinter((line) => lines.push(line));
    print({ status: 'Pulling from team/app' });
    print({ layer: '0123456789ab', status: 'Downloading', current: 10, total: 100 });
    print({ layer: '0123456789ab', status: 'Downloading', current: 50, total: 100 });
    print({ layer: 'ba9876543210', status: 'Already exists' });
    print({ layer: '0123456789ab', status: 'Download complete' });
    print({ layer: '0123456789ab', status: 'Pull complete' });
    expect(lines).toEqual([
      'Pulling from team/app',
      '0123456789ab: Downloading',
      'ba9876543210: Already exists',
      '0123456789ab: Download complete',
      '0123456789ab: Pull complete',
    ]);
  });

  it('prints repeated image-wide messages', () => {
    const lines: string[] = [];
    const print = layerStatusPrinter((line) => lines.push(line));
    print({ status: 'Waiting' });
    print({ status: 'Waiting' });
    expect(lines).toEqual(['Waiting', 'Waiting']);
  });
});
