/** Plain-words meaning of each binfmt_misc flag, as documented for the Linux kernel. */
export const FLAG_MEANINGS: Record<string, string> = {
  F: 'F (fix binary): the kernel opened the interpreter at registration, so containers need no QEMU of their own',
  P: 'P (preserve argv[0]): the program sees its original name',
  O: 'O (open binary): the interpreter gets an open file instead of a path, so unreadable programs run',
  C: 'C (credentials): setuid programs gain their privileges under emulation',
};

export function describeFlags(flags: string[]): string {
  if (flags.length === 0) {
    return 'none, so the kernel looks for the interpreter inside each container';
  }
  return flags.map((flag) => FLAG_MEANINGS[flag] ?? `${flag} (unknown flag)`).join('; ');
}
