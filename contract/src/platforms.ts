/** The ARM platforms ARM Runner emulates, in Docker's os/architecture/variant form. */
export const ARM_PLATFORMS = ['linux/arm/v6', 'linux/arm/v7', 'linux/arm64'] as const;

export type ArmPlatform = (typeof ARM_PLATFORMS)[number];

/** The QEMU user-mode emulators that ARM Runner bundles. */
export type QemuArch = 'arm' | 'aarch64';

export function isArmPlatform(value: string): value is ArmPlatform {
  return (ARM_PLATFORMS as readonly string[]).includes(value);
}
