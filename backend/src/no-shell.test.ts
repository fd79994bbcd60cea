import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// The backend talks to the engine through its API and never builds a shell
// command. This reads every source file, so that a new exec, execSync, spawn
// with a shell or a shell path would fail here.
const SOURCE_ROOT = import.meta.dirname;

function sourceFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const full = path.join(directory, name);
    if (statSync(full).isDirectory()) {
      return sourceFiles(full);
    }
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [full] : [];
  });
}

describe('backend sources', () => {
  const files = sourceFiles(SOURCE_ROOT);

  it('are found', () => {
    expect(files.length).toBeGreaterThan(20);
  });

  it('start no shell', () => {
    const offenders: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      if (/\bexecSync\b|\bexec\(\s*['"`]|shell:\s*true|['"`]\/bin\/(ba)?sh['"`]\s*,\s*['"`]-c/.test(text)) {
        offenders.push(path.relative(SOURCE_ROOT, file));
      }
    }
    expect(offenders).toEqual([]);
  });

  it('start programs only with execFile, only to read the QEMU version', () => {
    const users = files.filter((file) => /from 'node:child_process'/.test(readFileSync(file, 'utf8'))).map((file) => path.relative(SOURCE_ROOT, file));
    expect(users).toEqual([path.join('bundle', 'make-bundle.ts')]);
    expect(readFileSync(path.join(SOURCE_ROOT, 'bundle', 'make-bundle.ts'), 'utf8')).toMatch(/import \{ execFile \} from 'node:child_process'/);
  });
});
