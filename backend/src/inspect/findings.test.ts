import { readFileSync } from 'node:fs';
import type { ImageConfigPlatform, PrivilegedFileList } from '@arm-runner/contract';
import { describe, expect, it } from 'vitest';
import { collectFindings } from './findings.ts';
import { DEFAULT_PATH, resolveProgram, type ImageCommandConfig } from './program-resolver.ts';
import { busybox, TestImage, type TestNode } from './test-image.ts';

const ARM_V7: ImageConfigPlatform = { os: 'linux', architecture: 'arm', variant: 'v7' };
const NO_PRIVILEGED_FILES: PrivilegedFileList = { count: 0, files: [] };

async function findingsFor(
  nodes: Record<string, TestNode>,
  command: Partial<ImageCommandConfig>,
  platform: ImageConfigPlatform = ARM_V7,
  privilegedFiles: PrivilegedFileList = NO_PRIVILEGED_FILES,
) {
  const program = await resolveProgram(new TestImage(nodes), { entrypoint: null, cmd: null, env: [`PATH=${DEFAULT_PATH}`], workingDir: '/', ...command });
  return collectFindings({ platform, program, privilegedFiles });
}

describe('collectFindings', () => {
  it('finds nothing for a matching static program', async () => {
    expect(await findingsFor({ '/bin/busybox': { file: busybox('armhf') } }, { cmd: ['/bin/busybox'] })).toEqual([]);
  });

  it('reports an image without a command', async () => {
    const findings = await findingsFor({}, {});
    expect(findings.map((finding) => finding.code)).toEqual(['no-command']);
  });

  it('reports a missing program', async () => {
    const findings = await findingsFor({}, { entrypoint: ['/entrypoint.sh'] });
    expect(findings).toHaveLength(1);
    expect(findings[0]?.code).toBe('program-not-found');
    expect(findings[0]?.message).toContain('/entrypoint.sh does not exist in the image.');
    expect(findings[0]?.paths).toEqual(['/entrypoint.sh']);
  });

  it('names the script whose interpreter is missing', async () => {
    const findings = await findingsFor({ '/run.sh': { file: '#!/bin/bash\n' }, '/bin/sh': { file: busybox('armhf') } }, { cmd: ['/run.sh'] });
    expect(findings[0]?.code).toBe('program-not-found');
    expect(findings[0]?.message).toContain('The script /run.sh names the interpreter "/bin/bash".');
  });

  it('reports a program without an execute bit', async () => {
    const findings = await findingsFor({ '/app': { file: busybox('armhf'), mode: 0o644 } }, { cmd: ['/app'] });
    expect(findings.map((finding) => finding.code)).toEqual(['program-not-runnable']);
    expect(findings[0]?.message).toContain('chmod +x');
  });

  it('reports a symlink loop', async () => {
    const findings = await findingsFor({ '/a': { symlink: '/b' }, '/b': { symlink: '/a' } }, { cmd: ['/a'] });
    expect(findings.map((finding) => finding.code)).toEqual(['symlink-loop']);
  });

  it('reports too many nested scripts with their paths', async () => {
    const findings = await findingsFor({ '/loop.sh': { file: '#!/loop.sh\n' } }, { cmd: ['/loop.sh'] });
    expect(findings[0]?.code).toBe('too-many-interpreters');
    expect(findings[0]?.paths).toEqual(['/loop.sh']);
  });

  it('reports a malformed ELF header', async () => {
    const findings = await findingsFor({ '/app': { file: Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 9]) } }, { cmd: ['/app'] });
    expect(findings.map((finding) => [finding.code, finding.severity])).toEqual([['elf-malformed', 'error']]);
  });

  it('reports a missing dynamic loader', async () => {
    const platform = { os: 'linux', architecture: 'amd64', variant: null };
    const findings = await findingsFor({ '/bin/ls': { file: readFileSync('/bin/ls') } }, { cmd: ['/bin/ls'] }, platform);
    expect(findings.map((finding) => finding.code)).toEqual(['loader-missing']);
    expect(findings[0]?.message).toContain('/bin/ls is dynamically linked and needs the loader /lib64/ld-linux-x86-64.so.2');
    expect(findings[0]?.message).toContain('"no such file or directory"');
    expect(findings[0]?.paths).toEqual(['/bin/ls', '/lib64/ld-linux-x86-64.so.2']);
  });

  it('reports a loader that is a directory', async () => {
    const platform = { os: 'linux', architecture: 'amd64', variant: null };
    const findings = await findingsFor(
      { '/bin/ls': { file: readFileSync('/bin/ls') }, '/lib64/ld-linux-x86-64.so.2': { directory: true } },
      { cmd: ['/bin/ls'] },
      platform,
    );
    expect(findings.map((finding) => finding.code)).toEqual(['loader-unusable']);
  });

  it('combines an architecture mismatch with setuid files, errors first', async () => {
    const privileged: PrivilegedFileList = { count: 1, files: [{ path: '/bin/su', mode: 0o4755, setuid: true, setgid: false }] };
    const platform = { os: 'linux', architecture: 'arm64', variant: null };
    const findings = await findingsFor({ '/bin/busybox': { file: busybox('armhf') } }, { cmd: ['/bin/busybox'] }, platform, privileged);
    expect(findings.map((finding) => finding.code)).toEqual(['architecture-mismatch', 'setuid-files']);
    expect(findings[1]?.severity).toBe('info');
    expect(findings[1]?.paths).toEqual(['/bin/su']);
    expect(findings[1]?.message).toContain('1 setuid or setgid file (/bin/su)');
    expect(findings[1]?.message).toContain('C flag');
  });

  it('reports an ELF program read only in part', async () => {
    const program = await resolveProgram(new TestImage({ '/app': { file: busybox('armhf') } }, { maxBytes: 4096 }), {
      entrypoint: null,
      cmd: ['/app'],
      env: null,
      workingDir: null,
    });
    const findings = collectFindings({ platform: { os: 'linux', architecture: 'arm', variant: 'v6' }, program, privilegedFiles: NO_PRIVILEGED_FILES });
    expect(findings.map((finding) => finding.code)).toEqual(['elf-read-limited', 'cpu-arch-unknown']);
  });
});
