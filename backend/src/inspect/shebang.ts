/**
 * Bytes of a file that Linux reads to recognize a `#!` script (BINPRM_BUF_SIZE).
 * It is 256 since Linux 5.1 and was 128 before.
 */
export const SCRIPT_HEADER_SIZE = 256;

export type ShebangResult =
  | { kind: 'not-a-script' }
  | { kind: 'script'; interpreter: string; argument: string | null }
  | { kind: 'invalid'; reason: string };

const HASH = 0x23;
const BANG = 0x21;
const NEWLINE = 0x0a;
const SPACE = 0x20;
const TAB = 0x09;
const NUL = 0;

function isSpaceOrTab(byte: number | undefined): boolean {
  return byte === SPACE || byte === TAB;
}

function isTerminator(byte: number | undefined): boolean {
  return byte === SPACE || byte === TAB || byte === NUL;
}

/**
 * Parses a `#!` line as Linux's binfmt_script does. The kernel reads only the
 * first 256 bytes. Leading spaces and tabs are skipped, and the interpreter
 * path ends at a space, tab or NUL. Everything after it, up to the end of the
 * line without trailing spaces or tabs, is one optional argument, however many
 * words it contains. A carriage return is not whitespace to the kernel, so a
 * line with a Windows line ending names an interpreter that ends in "\r".
 */
export function parseShebang(content: Uint8Array): ShebangResult {
  if (content[0] !== HASH || content[1] !== BANG) {
    return { kind: 'not-a-script' };
  }
  // The kernel's buffer is zero-filled past the end of a short file, and its last byte is never used.
  const buffer = new Uint8Array(SCRIPT_HEADER_SIZE);
  buffer.set(content.subarray(0, SCRIPT_HEADER_SIZE));
  const bufferEnd = SCRIPT_HEADER_SIZE - 1;

  let lineEnd = buffer.indexOf(NEWLINE);
  if (lineEnd === -1) {
    let nameStart = 2;
    while (nameStart < bufferEnd && isSpaceOrTab(buffer[nameStart])) {
      nameStart += 1;
    }
    if (nameStart === bufferEnd) {
      return { kind: 'invalid', reason: `The #! line contains only spaces and tabs in its first ${SCRIPT_HEADER_SIZE} bytes.` };
    }
    let nameEnd = nameStart;
    while (nameEnd < bufferEnd && !isTerminator(buffer[nameEnd])) {
      nameEnd += 1;
    }
    if (nameEnd === bufferEnd) {
      return { kind: 'invalid', reason: `The interpreter path on the #! line is longer than the ${SCRIPT_HEADER_SIZE} bytes the kernel reads.` };
    }
    lineEnd = bufferEnd;
  }

  while (lineEnd > 2 && isSpaceOrTab(buffer[lineEnd - 1])) {
    lineEnd -= 1;
  }
  let nameStart = 2;
  while (nameStart < lineEnd && isSpaceOrTab(buffer[nameStart])) {
    nameStart += 1;
  }
  let nameEnd = nameStart;
  while (nameEnd < lineEnd && !isTerminator(buffer[nameEnd])) {
    nameEnd += 1;
  }
  if (nameEnd === nameStart) {
    return { kind: 'invalid', reason: 'The #! line names no interpreter.' };
  }

  const interpreter = decode(buffer.subarray(nameStart, nameEnd));
  if (buffer[nameEnd] === NUL || nameEnd === lineEnd) {
    return { kind: 'script', interpreter, argument: null };
  }
  let argumentStart = nameEnd;
  while (argumentStart < lineEnd && isSpaceOrTab(buffer[argumentStart])) {
    argumentStart += 1;
  }
  // The argument is a C string, so it also ends at the first NUL.
  let argumentEnd = buffer.subarray(0, lineEnd).indexOf(NUL, argumentStart);
  if (argumentEnd === -1) {
    argumentEnd = lineEnd;
  }
  const argument = decode(buffer.subarray(argumentStart, argumentEnd));
  return { kind: 'script', interpreter, argument: argument === '' ? null : argument };
}

function decode(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('utf8');
}
