import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseBinfmtEntry, platformsMatchedBy, type ParsedEntry } from '../../src/emulation/binfmt.ts';

// The test rig changes the host's binfmt_misc table directly, because the
// tests run as root on the engine's host. The product itself reads the table
// through a helper container.
const BINFMT_DIR = '/proc/sys/fs/binfmt_misc';

const QEMU_MASK = 'ffffffffffffff00fffffffffffffffffeffffff';
const QEMU_MAGIC = {
  arm: '7f454c4601010100000000000000000002002800',
  aarch64: '7f454c460201010000000000000000000200b700',
} as const;

export interface SavedEntry extends ParsedEntry {
  name: string;
}

function ensureMounted(): void {
  if (!existsSync(path.join(BINFMT_DIR, 'register'))) {
    execFileSync('mount', ['-t', 'binfmt_misc', 'binfmt_misc', BINFMT_DIR]);
  }
  if (process.getuid?.() !== 0) {
    throw new Error('The real-engine tests change binfmt_misc and must run as root. Run them through .ci/run or as root.');
  }
}

function escapeHex(hex: string): string {
  return hex.replace(/(..)/g, '\\x$1');
}

function register(entry: Omit<SavedEntry, 'enabled'>): void {
  const line = `:${entry.name}:M:${entry.offset}:${escapeHex(entry.magic)}:${escapeHex(entry.mask)}:${entry.interpreter}:${entry.flags.join('')}`;
  writeFileSync(path.join(BINFMT_DIR, 'register'), line);
}

function remove(name: string): void {
  writeFileSync(path.join(BINFMT_DIR, name), '-1');
}

/** Reads every entry whose magic matches 32- or 64-bit ARM ELF. Other entries are never touched. */
export function readArmEntries(): SavedEntry[] {
  ensureMounted();
  const entries: SavedEntry[] = [];
  for (const name of readdirSync(BINFMT_DIR)) {
    if (name === 'register' || name === 'status') {
      continue;
    }
    const parsed = parseBinfmtEntry(readFileSync(path.join(BINFMT_DIR, name), 'utf8'));
    if (parsed !== null && platformsMatchedBy(parsed).length > 0) {
      entries.push({ name, ...parsed });
    }
  }
  return entries;
}

/**
 * Replaces the ARM entries with the given ones. `null` or a missing key means
 * no handler for that emulator; a string gives the flags, such as '' or 'F'.
 */
export function setArmHandlers(handlers: { arm?: string | null; aarch64?: string | null }): void {
  for (const entry of readArmEntries()) {
    remove(entry.name);
  }
  for (const arch of ['arm', 'aarch64'] as const) {
    const flags = handlers[arch];
    if (flags === undefined || flags === null) {
      continue;
    }
    register({
      name: `qemu-${arch}`,
      offset: 0,
      magic: QEMU_MAGIC[arch],
      mask: QEMU_MASK,
      interpreter: `/usr/bin/qemu-${arch}-static`,
      flags: [...flags],
    });
  }
}

/** Puts back the ARM entries saved by readArmEntries, including disabled ones. */
export function restoreArmEntries(saved: SavedEntry[]): void {
  for (const entry of readArmEntries()) {
    remove(entry.name);
  }
  for (const entry of saved) {
    register(entry);
    if (!entry.enabled) {
      writeFileSync(path.join(BINFMT_DIR, entry.name), '0');
    }
  }
}

/** Registers a qemu-arm entry with another interpreter path, replacing the ARM entries for 32-bit ARM. */
export function setArmHandlerWithInterpreter(interpreter: string, flags: string): void {
  for (const entry of readArmEntries().filter((candidate) => candidate.magic === QEMU_MAGIC.arm)) {
    remove(entry.name);
  }
  register({ name: 'qemu-arm', offset: 0, magic: QEMU_MAGIC.arm, mask: QEMU_MASK, interpreter, flags: [...flags] });
}

// QEMU's own i386 entry. The x86-64 kernel runs i386 programs natively, so
// this is the handler for a native format. Its interpreter is a working QEMU,
// so that a 32-bit x86 program started while it exists still runs.
const I386_ENTRY = {
  name: 'arm-runner-test-i386',
  offset: 0,
  magic: '7f454c4601010100000000000000000002000300',
  mask: 'fffffffffffefe00fffffffffffffffffeffffff',
  interpreter: '/usr/bin/qemu-i386-static',
  flags: [] as string[],
};

/** Registers the i386 entry and returns a function that removes it again. */
export function registerNativeFormatHandler(): { name: string; remove: () => void } {
  ensureMounted();
  if (!existsSync(I386_ENTRY.interpreter)) {
    throw new Error(`${I386_ENTRY.interpreter} is missing. Install qemu-user-static (scripts/provision-engine.sh does).`);
  }
  if (existsSync(path.join(BINFMT_DIR, I386_ENTRY.name))) {
    throw new Error(`The binfmt_misc entry ${I386_ENTRY.name} already exists. A previous test run left it; remove it with "echo -1 > ${path.join(BINFMT_DIR, I386_ENTRY.name)}".`);
  }
  register(I386_ENTRY);
  return { name: I386_ENTRY.name, remove: () => remove(I386_ENTRY.name) };
}
