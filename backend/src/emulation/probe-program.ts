import type { QemuArch } from '@arm-runner/contract';

/**
 * A static ELF program of a few hundred bytes for each ARM emulator. It calls
 * uname(2), writes the 65-byte machine field (for example "armv7l" and NUL
 * padding) to standard output and exits with 0. It needs no library and no
 * loader, and it uses only ARMv5 instructions, so the same program tests
 * arm/v6 and arm/v7. Running it through the engine shows which handler path
 * works, without depending on any image the user has.
 */

// Offsets inside struct utsname: six fields of 65 bytes each, and "machine"
// is the fifth.
const UTSNAME_SIZE = 6 * 65;
const MACHINE_OFFSET = 4 * 65;

// 32-bit ARM, EABI syscall numbers: uname 122, write 4, exit 1.
const ARM_CODE = [
  0xe24dde19, // sub   sp, sp, #400
  0xe1a0000d, // mov   r0, sp
  0xe3a0707a, // mov   r7, #122      uname(sp)
  0xef000000, // svc   #0
  0xe28d1f41, // add   r1, sp, #260  the machine field
  0xe3a00001, // mov   r0, #1        standard output
  0xe3a02041, // mov   r2, #65
  0xe3a07004, // mov   r7, #4        write(1, machine, 65)
  0xef000000, // svc   #0
  0xe3a00000, // mov   r0, #0
  0xe3a07001, // mov   r7, #1        exit(0)
  0xef000000, // svc   #0
];

// AArch64, generic syscall numbers: uname 160, write 64, exit 93.
const AARCH64_CODE = [
  0xd10643ff, // sub   sp, sp, #400
  0x910003e0, // mov   x0, sp
  0xd2801408, // mov   x8, #160      uname(sp)
  0xd4000001, // svc   #0
  0x910413e1, // add   x1, sp, #260  the machine field
  0xd2800020, // mov   x0, #1        standard output
  0xd2800822, // mov   x2, #65
  0xd2800808, // mov   x8, #64       write(1, machine, 65)
  0xd4000001, // svc   #0
  0xd2800000, // mov   x0, #0
  0xd2800ba8, // mov   x8, #93       exit(0)
  0xd4000001, // svc   #0
];

// The instructions above hard-code these two numbers.
if (UTSNAME_SIZE > 400 || MACHINE_OFFSET !== 260) {
  throw new Error('The probe program does not fit struct utsname.');
}

const EM_ARM = 40;
const EM_AARCH64 = 183;
const ET_EXEC = 2;
const PT_LOAD = 1;
const PF_R_X = 5;
// EABI version 5 with the soft-float flag, as Debian's armel programs have.
const ARM_EABI5_SOFT_FLOAT = 0x05000200;

function codeBytes(words: number[]): Buffer {
  const code = Buffer.alloc(words.length * 4);
  words.forEach((word, index) => code.writeUInt32LE(word, index * 4));
  return code;
}

/** Builds a 32-bit ELF: one header, one PT_LOAD program header that maps the whole file, then the code. */
function elf32(code: Buffer): Buffer {
  const headerSize = 52;
  const programHeaderSize = 32;
  const base = 0x10000;
  const codeOffset = headerSize + programHeaderSize;
  const file = Buffer.alloc(codeOffset + code.length);

  file.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0]);
  file.writeUInt16LE(ET_EXEC, 16);
  file.writeUInt16LE(EM_ARM, 18);
  file.writeUInt32LE(1, 20);
  file.writeUInt32LE(base + codeOffset, 24);
  file.writeUInt32LE(headerSize, 28);
  file.writeUInt32LE(0, 32);
  file.writeUInt32LE(ARM_EABI5_SOFT_FLOAT, 36);
  file.writeUInt16LE(headerSize, 40);
  file.writeUInt16LE(programHeaderSize, 42);
  file.writeUInt16LE(1, 44);

  file.writeUInt32LE(PT_LOAD, headerSize);
  file.writeUInt32LE(0, headerSize + 4);
  file.writeUInt32LE(base, headerSize + 8);
  file.writeUInt32LE(base, headerSize + 12);
  file.writeUInt32LE(file.length, headerSize + 16);
  file.writeUInt32LE(file.length, headerSize + 20);
  file.writeUInt32LE(PF_R_X, headerSize + 24);
  file.writeUInt32LE(0x1000, headerSize + 28);

  code.copy(file, codeOffset);
  return file;
}

/** Builds a 64-bit ELF with the same layout as elf32. */
function elf64(code: Buffer): Buffer {
  const headerSize = 64;
  const programHeaderSize = 56;
  const base = 0x400000n;
  const codeOffset = headerSize + programHeaderSize;
  const file = Buffer.alloc(codeOffset + code.length);

  file.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);
  file.writeUInt16LE(ET_EXEC, 16);
  file.writeUInt16LE(EM_AARCH64, 18);
  file.writeUInt32LE(1, 20);
  file.writeBigUInt64LE(base + BigInt(codeOffset), 24);
  file.writeBigUInt64LE(BigInt(headerSize), 32);
  file.writeBigUInt64LE(0n, 40);
  file.writeUInt32LE(0, 48);
  file.writeUInt16LE(headerSize, 52);
  file.writeUInt16LE(programHeaderSize, 54);
  file.writeUInt16LE(1, 56);

  file.writeUInt32LE(PT_LOAD, headerSize);
  file.writeUInt32LE(PF_R_X, headerSize + 4);
  file.writeBigUInt64LE(0n, headerSize + 8);
  file.writeBigUInt64LE(base, headerSize + 16);
  file.writeBigUInt64LE(base, headerSize + 24);
  file.writeBigUInt64LE(BigInt(file.length), headerSize + 32);
  file.writeBigUInt64LE(BigInt(file.length), headerSize + 40);
  file.writeBigUInt64LE(0x1000n, headerSize + 48);

  code.copy(file, codeOffset);
  return file;
}

/** Builds a static ELF for an emulator's CPU from little-endian instruction words. */
export function staticProgram(arch: QemuArch, words: number[]): Buffer {
  return arch === 'arm' ? elf32(codeBytes(words)) : elf64(codeBytes(words));
}

/** Returns the probe program for an emulator's CPU. */
export function probeProgram(arch: QemuArch): Buffer {
  return arch === 'arm' ? elf32(codeBytes(ARM_CODE)) : elf64(codeBytes(AARCH64_CODE));
}

/** Reads the machine name from the probe program's output: the text before the first NUL. */
export function machineFromProbeOutput(output: string): string | null {
  const machine = output.split('\0')[0]?.trim() ?? '';
  return /^[a-z0-9_]+$/.test(machine) ? machine : null;
}
