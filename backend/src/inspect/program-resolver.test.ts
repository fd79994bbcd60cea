import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PATH, resolveProgram, type ImageCommandConfig } from './program-resolver.ts';
import { busybox, TestImage } from './test-image.ts';

const ARMHF = busybox('armhf');

function config(overrides: Partial<ImageCommandConfig>): ImageCommandConfig {
  return { entrypoint: null, cmd: null, env: [`PATH=${DEFAULT_PATH}`], workingDir: '/', ...overrides };
}

/** Returns the steps as "kind path [-> target]" lines, which read well in a failure diff. */
function chain(steps: { kind: string; path: string; target?: string }[]): string[] {
  return steps.map((step) => (step.target === undefined ? `${step.kind} ${step.path}` : `${step.kind} ${step.path} -> ${step.target}`));
}

describe('resolveProgram PATH lookup', () => {
  it('finds a bare name and follows its symlink', async () => {
    const image = new TestImage({ '/bin/busybox': { file: ARMHF }, '/bin/httpd': { symlink: 'busybox' } });
    const result = await resolveProgram(image, config({ cmd: ['httpd', '-f'] }));
    expect(result.command).toEqual(['httpd', '-f']);
    expect(result.program).toBe('httpd');
    expect(chain(result.steps)).toEqual(['path-lookup httpd -> /bin/httpd', 'symlink /bin/httpd -> busybox', 'elf /bin/busybox']);
    expect(result.elfPath).toBe('/bin/busybox');
    expect(result.elf?.machine.name).toBe('ARM');
    expect(result.loader).toBeNull();
    expect(image.reads).toEqual(['/bin/busybox']);
  });

  it('uses the default PATH when the image sets none', async () => {
    const image = new TestImage({ '/usr/sbin/app': { file: ARMHF }, '/bin/app': { file: ARMHF } });
    const result = await resolveProgram(image, config({ cmd: ['app'], env: ['HOME=/root'] }));
    expect(result.steps[0]).toEqual({ kind: 'path-lookup', path: 'app', target: '/usr/sbin/app' });
  });

  it('skips directories and files without an execute bit', async () => {
    const image = new TestImage({
      '/usr/local/bin/app': { file: ARMHF, mode: 0o644 },
      '/usr/bin/app': { directory: true },
      '/bin/app': { file: ARMHF },
    });
    const result = await resolveProgram(image, config({ cmd: ['app'] }));
    expect(result.steps[0]?.target).toBe('/bin/app');
  });

  it('searches the working directory for an empty PATH element', async () => {
    const image = new TestImage({ '/srv/app': { file: ARMHF } });
    const result = await resolveProgram(image, config({ cmd: ['app'], env: ['PATH=/usr/bin::/bin'], workingDir: '/srv' }));
    expect(result.steps[0]).toEqual({ kind: 'path-lookup', path: 'app', target: '/srv/app' });
  });

  it('reports a name found in no PATH directory', async () => {
    const image = new TestImage({ '/bin/busybox': { file: ARMHF } });
    const result = await resolveProgram(image, config({ cmd: ['nginx'], env: ['PATH=/usr/bin:/bin'] }));
    expect(result.steps).toHaveLength(1);
    expect(result.steps[0]?.kind).toBe('not-in-path');
    expect(result.steps[0]?.detail).toContain('/usr/bin:/bin');
    expect(result.elf).toBeNull();
    expect(image.reads).toEqual([]);
  });
});

describe('resolveProgram paths and links', () => {
  it('resolves a relative path against WorkingDir', async () => {
    const image = new TestImage({ '/app/bin/server': { file: ARMHF } });
    const result = await resolveProgram(image, config({ cmd: ['./bin/server'], workingDir: '/app' }));
    expect(chain(result.steps)).toEqual(['elf /app/bin/server']);
  });

  it('treats an empty WorkingDir as the root', async () => {
    const image = new TestImage({ '/server': { file: ARMHF } });
    const result = await resolveProgram(image, config({ cmd: ['./server'], workingDir: '' }));
    expect(result.elfPath).toBe('/server');
  });

  it('follows a chain of absolute and relative symlinks', async () => {
    const image = new TestImage({
      '/usr/bin/python': { symlink: '/usr/bin/python3' },
      '/usr/bin/python3': { symlink: 'python3.11' },
      '/usr/bin/python3.11': { file: ARMHF },
    });
    const result = await resolveProgram(image, config({ entrypoint: ['/usr/bin/python'] }));
    expect(chain(result.steps)).toEqual([
      'symlink /usr/bin/python -> /usr/bin/python3',
      'symlink /usr/bin/python3 -> python3.11',
      'elf /usr/bin/python3.11',
    ]);
  });

  it('follows a symlinked directory on the way', async () => {
    const image = new TestImage({ '/bin': { symlink: 'usr/bin' }, '/usr/bin/busybox': { file: ARMHF } });
    const result = await resolveProgram(image, config({ cmd: ['/bin/busybox'] }));
    expect(chain(result.steps)).toEqual(['symlink /bin -> usr/bin', 'elf /usr/bin/busybox']);
  });

  it('keeps links that climb above the root inside the image', async () => {
    const image = new TestImage({
      '/bin/busybox': { file: ARMHF },
      '/opt/tool': { symlink: '../../../../bin/busybox' },
      '/opt/other': { symlink: '/../../bin/busybox' },
    });
    expect((await resolveProgram(image, config({ cmd: ['/opt/tool'] }))).elfPath).toBe('/bin/busybox');
    expect((await resolveProgram(image, config({ cmd: ['/opt/other'] }))).elfPath).toBe('/bin/busybox');
  });

  it('detects a symlink loop', async () => {
    const image = new TestImage({ '/bin/a': { symlink: 'b' }, '/bin/b': { symlink: '/bin/a' } });
    const result = await resolveProgram(image, config({ cmd: ['/bin/a'] }));
    const last = result.steps[result.steps.length - 1];
    expect(last?.kind).toBe('symlink-loop');
    expect(last?.detail).toContain('more than 40 symbolic links');
    expect(result.steps.filter((step) => step.kind === 'symlink')).toHaveLength(40);
  });

  it('reports a dangling symlink as missing', async () => {
    const image = new TestImage({ '/bin/sh': { symlink: 'bash' } });
    const result = await resolveProgram(image, config({ cmd: ['/bin/sh'] }));
    expect(chain(result.steps)).toEqual(['symlink /bin/sh -> bash', 'missing /bin/bash']);
  });

  it('reports an empty symlink target as missing', async () => {
    const image = new TestImage({ '/bin/sh': { symlink: '' } });
    const result = await resolveProgram(image, config({ cmd: ['/bin/sh'] }));
    expect(result.steps[result.steps.length - 1]?.kind).toBe('missing');
  });

  it('follows a hard link to the file it shares', async () => {
    const image = new TestImage({ '/bin/busybox': { file: ARMHF, mode: 0o4755 }, '/bin/su': { hardlink: 'bin/busybox', mode: 0o4755 } });
    const result = await resolveProgram(image, config({ cmd: ['/bin/su'] }));
    expect(chain(result.steps)).toEqual(['hardlink /bin/su -> /bin/busybox', 'elf /bin/busybox']);
  });

  it('reports a missing file', async () => {
    const image = new TestImage({ '/bin/busybox': { file: ARMHF } });
    const result = await resolveProgram(image, config({ entrypoint: ['/docker-entrypoint.sh'] }));
    expect(result.steps).toEqual([{ kind: 'missing', path: '/docker-entrypoint.sh', detail: '/docker-entrypoint.sh does not exist in the image.' }]);
  });

  it('reports a file used as a directory', async () => {
    const image = new TestImage({ '/bin/busybox': { file: ARMHF } });
    const result = await resolveProgram(image, config({ cmd: ['/bin/busybox/sh'] }));
    expect(chain(result.steps)).toEqual(['not-a-directory /bin/busybox']);
  });
});

describe('resolveProgram file kinds', () => {
  it('reports a directory', async () => {
    const image = new TestImage({ '/www/index.html': { file: '<html>', mode: 0o644 } });
    const result = await resolveProgram(image, config({ cmd: ['/www'] }));
    expect(chain(result.steps)).toEqual(['directory /www']);
  });

  it('reports a file without an execute bit', async () => {
    const image = new TestImage({ '/app': { file: ARMHF, mode: 0o644 } });
    const result = await resolveProgram(image, config({ cmd: ['/app'] }));
    expect(result.steps[0]?.kind).toBe('not-executable');
    expect(result.steps[0]?.detail).toContain('mode 0644');
    expect(image.reads).toEqual([]);
  });

  it('reports a special file', async () => {
    const image = new TestImage({ '/run/pipe': { fifo: true } });
    const result = await resolveProgram(image, config({ cmd: ['/run/pipe'] }));
    expect(chain(result.steps)).toEqual(['special-file /run/pipe']);
  });

  it('reports a file that is neither ELF nor a script', async () => {
    const image = new TestImage({ '/start': { file: 'echo hello\n' } });
    const result = await resolveProgram(image, config({ cmd: ['/start'] }));
    expect(result.steps[0]?.kind).toBe('unknown-format');
    expect(result.steps[0]?.detail).toContain('exec format error');
  });

  it('keeps a malformed ELF header as an elf step without details', async () => {
    const image = new TestImage({ '/app': { file: Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0]) } });
    const result = await resolveProgram(image, config({ cmd: ['/app'] }));
    expect(chain(result.steps)).toEqual(['elf /app']);
    expect(result.steps[0]?.detail).toContain('malformed');
    expect(result.elfPath).toBe('/app');
    expect(result.elf).toBeNull();
  });

  it('reports a file that cannot be read', async () => {
    const image = new TestImage({ '/app': { file: ARMHF } }, { failingReads: ['/app'] });
    const result = await resolveProgram(image, config({ cmd: ['/app'] }));
    expect(result.steps[0]?.kind).toBe('unreadable');
    expect(result.steps[0]?.detail).toContain('Could not find the file /app in container');
  });

  it('marks an ELF program read only in part', async () => {
    const image = new TestImage({ '/app': { file: ARMHF } }, { maxBytes: 4096 });
    const result = await resolveProgram(image, config({ cmd: ['/app'] }));
    expect(result.elfReadLimited).toBe(true);
    expect(result.elf?.machine.name).toBe('ARM');
    expect(result.elf?.armAttributes).toBeNull();
  });

  it('returns no program for an image without ENTRYPOINT and CMD', async () => {
    const result = await resolveProgram(new TestImage({}), config({}));
    expect(result.program).toBeNull();
    expect(result.command).toEqual([]);
    expect(result.steps).toEqual([]);
  });
});

describe('resolveProgram scripts', () => {
  it('runs through a #! script to its interpreter', async () => {
    const image = new TestImage({
      '/entrypoint.sh': { file: '#!/bin/sh\nexec httpd -f -p 80\n' },
      '/bin/sh': { symlink: 'busybox' },
      '/bin/busybox': { file: ARMHF },
    });
    const result = await resolveProgram(image, config({ entrypoint: ['/entrypoint.sh'], cmd: ['--verbose'] }));
    expect(result.command).toEqual(['/entrypoint.sh', '--verbose']);
    expect(chain(result.steps)).toEqual(['script /entrypoint.sh -> /bin/sh', 'symlink /bin/sh -> busybox', 'elf /bin/busybox']);
    expect(result.steps[0]?.argument).toBeUndefined();
    expect(image.reads).toEqual(['/entrypoint.sh', '/bin/busybox']);
  });

  it('keeps the interpreter argument', async () => {
    const image = new TestImage({ '/app.py': { file: '#!/usr/bin/env python3 -u\nprint(1)\n' }, '/usr/bin/env': { file: ARMHF } });
    const result = await resolveProgram(image, config({ cmd: ['/app.py'] }));
    expect(result.steps[0]).toEqual({ kind: 'script', path: '/app.py', target: '/usr/bin/env', argument: 'python3 -u' });
    expect(result.elfPath).toBe('/usr/bin/env');
  });

  it('reports a missing interpreter', async () => {
    const image = new TestImage({ '/run.sh': { file: '#!/bin/bash\necho hi\n' } });
    const result = await resolveProgram(image, config({ cmd: ['/run.sh'] }));
    expect(chain(result.steps)).toEqual(['script /run.sh -> /bin/bash', 'missing /bin']);
    expect(result.steps[1]?.detail).toBe('/bin/bash cannot be found, because /bin does not exist in the image.');
  });

  it('explains an interpreter path that ends in a carriage return', async () => {
    const image = new TestImage({ '/run.sh': { file: '#!/bin/sh\r\necho hi\r\n' }, '/bin/sh': { file: ARMHF } });
    const result = await resolveProgram(image, config({ cmd: ['/run.sh'] }));
    const last = result.steps[result.steps.length - 1];
    expect(last?.kind).toBe('missing');
    expect(last?.path).toBe('/bin/sh\r');
    expect(last?.detail).toContain('Unix line endings');
  });

  it('resolves a relative interpreter against WorkingDir', async () => {
    const image = new TestImage({ '/app/run': { file: '#!tools/sh\n' }, '/app/tools/sh': { file: ARMHF } });
    const result = await resolveProgram(image, config({ cmd: ['/app/run'], workingDir: '/app' }));
    expect(result.elfPath).toBe('/app/tools/sh');
  });

  it('allows four nested scripts', async () => {
    const image = new TestImage({
      '/s1': { file: '#!/s2\n' },
      '/s2': { file: '#!/s3\n' },
      '/s3': { file: '#!/s4\n' },
      '/s4': { file: '#!/bin/busybox sh\n' },
      '/bin/busybox': { file: ARMHF },
    });
    const result = await resolveProgram(image, config({ cmd: ['/s1'] }));
    expect(result.steps.filter((step) => step.kind === 'script')).toHaveLength(4);
    expect(result.elfPath).toBe('/bin/busybox');
  });

  it('stops at a fifth nested script', async () => {
    const image = new TestImage({
      '/s0': { file: '#!/s1\n' },
      '/s1': { file: '#!/s2\n' },
      '/s2': { file: '#!/s3\n' },
      '/s3': { file: '#!/s4\n' },
      '/s4': { file: '#!/bin/busybox sh\n' },
      '/bin/busybox': { file: ARMHF },
    });
    const result = await resolveProgram(image, config({ cmd: ['/s0'] }));
    expect(result.steps[result.steps.length - 1]?.kind).toBe('too-many-interpreters');
    expect(result.elf).toBeNull();
  });

  it('stops a script that names itself', async () => {
    const image = new TestImage({ '/loop.sh': { file: '#!/loop.sh\n' } });
    const result = await resolveProgram(image, config({ cmd: ['/loop.sh'] }));
    expect(result.steps[result.steps.length - 1]?.kind).toBe('too-many-interpreters');
  });
});

describe('resolveProgram dynamic loader', () => {
  // The host's /bin/ls is a dynamically linked x86-64 program whose PT_INTERP
  // is /lib64/ld-linux-x86-64.so.2.
  const LS = readFileSync('/bin/ls');

  it('finds the loader through symlinks', async () => {
    const image = new TestImage({
      '/bin/ls': { file: LS },
      '/lib64': { symlink: 'usr/lib64' },
      '/usr/lib64/ld-linux-x86-64.so.2': { symlink: '../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2' },
      '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2': { file: busybox('amd64') },
    });
    const result = await resolveProgram(image, config({ cmd: ['/bin/ls'] }));
    expect(result.elf?.linkage).toBe('dynamic');
    expect(result.loader?.path).toBe('/lib64/ld-linux-x86-64.so.2');
    expect(result.loader?.resolvedPath).toBe('/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2');
    expect(chain(result.loader?.steps ?? [])).toEqual([
      'symlink /lib64 -> usr/lib64',
      'symlink /usr/lib64/ld-linux-x86-64.so.2 -> ../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2',
      'elf /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2',
    ]);
    expect(result.loader?.elf?.machine.name).toBe('x86-64');
  });

  it('reports a missing loader', async () => {
    const image = new TestImage({ '/bin/ls': { file: LS } });
    const result = await resolveProgram(image, config({ cmd: ['/bin/ls'] }));
    expect(result.elfPath).toBe('/bin/ls');
    expect(result.loader?.resolvedPath).toBeNull();
    expect(chain(result.loader?.steps ?? [])).toEqual(['missing /lib64']);
  });
});
