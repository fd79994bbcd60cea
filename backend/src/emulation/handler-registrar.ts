import type { Container, EngineClient } from '../engine/client.ts';
import type { HandlerRegistration, QemuArch } from '@arm-runner/contract';
import type { LoadedBundle } from '../bundle/bundle.ts';
import { ArmRunnerError } from '../errors.ts';
import { fromEngineError } from '../engine/engine-errors.ts';
import { managedLabels } from '../engine/labels.ts';
import { HELPER_OUTPUT_MAX_BYTES, readContainerOutput } from '../engine/streams.ts';
import { logger } from '../log.ts';
import { nativeFormatsMatchedBy } from './binfmt.ts';
import type { HelperImage } from './helper-image.ts';
import type { StatusService } from './status-service.ts';

// QEMU's own entries (qemu-binfmt-conf.sh): ELF header magic and mask for
// 32-bit ARM and AArch64 executables and shared objects, little-endian.
const QEMU_ENTRIES: Record<QemuArch, { name: string; magic: string; mask: string }> = {
  arm: { name: 'qemu-arm', magic: '7f454c4601010100000000000000000002002800', mask: 'ffffffffffffff00fffffffffffffffffeffffff' },
  aarch64: { name: 'qemu-aarch64', magic: '7f454c460201010000000000000000000200b700', mask: 'ffffffffffffff00fffffffffffffffffeffffff' },
};

const VALID_FLAGS = ['P', 'O', 'C', 'F'];

export type RegistrationResult = HandlerRegistration;

/** Parses "arm,arm64" (also "aarch64") into the emulators to act on. */
export function parseArchList(input: string): QemuArch[] {
  const arches = new Set<QemuArch>();
  for (const item of input.split(',').map((part) => part.trim().toLowerCase())) {
    if (item === 'arm') {
      arches.add('arm');
    } else if (item === 'arm64' || item === 'aarch64') {
      arches.add('aarch64');
    } else {
      throw new ArmRunnerError('INVALID_REQUEST', `"${item}" is not an ARM handler. Use arm, arm64 or both, as in arm,arm64.`);
    }
  }
  return [...arches];
}

/** Parses binfmt_misc flags such as "F" or "OCF"; an empty string means no flags. */
export function parseFlags(input: string): string[] {
  const flags = [...new Set(input.toUpperCase().split(''))];
  const unknown = flags.filter((flag) => !VALID_FLAGS.includes(flag));
  if (unknown.length > 0) {
    throw new ArmRunnerError('INVALID_REQUEST', `Unknown binfmt_misc flag ${unknown.join(', ')}. Use letters from P, O, C and F.`);
  }
  // The kernel sets O whenever C is given (credentials are taken from the open
  // binary), so C alone would never match the registered entry again.
  if (flags.includes('C') && !flags.includes('O')) {
    flags.push('O');
  }
  return VALID_FLAGS.filter((flag) => flags.includes(flag));
}

/**
 * Builds the line written to binfmt_misc's register file. The kernel decodes
 * the \x escapes in magic and mask itself, so the line is plain text.
 */
export function registerLine(arch: QemuArch, interpreterPath: string, flags: string[]): string {
  const entry = QEMU_ENTRIES[arch];
  const escape = (hex: string): string => hex.replace(/(..)/g, '\\x$1');
  return `:${entry.name}:M::${escape(entry.magic)}:${escape(entry.mask)}:${interpreterPath}:${flags.join('')}`;
}

/**
 * Registers and removes QEMU's binfmt_misc handlers on the engine's host
 * through the helper container, which gets CAP_SYS_ADMIN and nothing else.
 * Registrations are kernel state: they last until the engine's host or VM restarts.
 */
export class HandlerRegistrar {
  constructor(
    private readonly docker: EngineClient,
    private readonly bundle: LoadedBundle,
    private readonly helper: HelperImage,
    private readonly status: StatusService,
  ) {}

  async install(arches: QemuArch[], flags: string[]): Promise<RegistrationResult[]> {
    const engine = await this.status.engine();
    for (const arch of arches) {
      const native = nativeFormatsMatchedBy({ offset: 0, ...QEMU_ENTRIES[arch] }, engine.architecture);
      if (native.length > 0) {
        throw new ArmRunnerError(
          'NATIVE_FORMAT_REFUSED',
          `This ${engine.architecture} engine runs ${native.join(' and ')} programs natively. A ${QEMU_ENTRIES[arch].name} handler ` +
            'would send its own programs through QEMU, so it is never registered.',
        );
      }
    }

    const results: RegistrationResult[] = [];
    for (const arch of arches) {
      const entry = QEMU_ENTRIES[arch];
      const interpreterPath = this.bundle.qemu(arch).interpreterPath;
      const existing = (await this.status.binfmt()).handlers.find((handler) => handler.name === entry.name);

      if (existing?.enabled === true && existing.interpreter === interpreterPath && existing.flags.join('') === flags.join('')) {
        results.push({ arch, name: entry.name, outcome: 'already-registered' });
        continue;
      }
      if (existing !== undefined) {
        await this.runHelper(['remove', entry.name]);
      }
      // With F the kernel opens the interpreter at registration, inside the
      // helper, so the helper gets the bundled QEMU at the same path.
      await this.runHelper(['register', registerLine(arch, interpreterPath, flags)], flags.includes('F') ? this.bundle.qemu(arch).tarPath : undefined);
      logger.info({ event: 'handler.registered', name: entry.name, flags: flags.join('') }, 'registered binfmt_misc handler');
      results.push({ arch, name: entry.name, outcome: existing === undefined ? 'registered' : 'replaced' });
    }
    return results;
  }

  async remove(arches: QemuArch[]): Promise<RegistrationResult[]> {
    const results: RegistrationResult[] = [];
    for (const arch of arches) {
      const entry = QEMU_ENTRIES[arch];
      const existing = (await this.status.binfmt()).handlers.find((handler) => handler.name === entry.name);
      if (existing === undefined) {
        results.push({ arch, name: entry.name, outcome: 'not-registered' });
        continue;
      }
      await this.runHelper(['remove', entry.name]);
      logger.info({ event: 'handler.removed', name: entry.name }, 'removed binfmt_misc handler');
      results.push({ arch, name: entry.name, outcome: 'removed' });
    }
    return results;
  }

  private async runHelper(command: string[], interpreterTar?: string): Promise<void> {
    const image = await this.helper.ensure();
    let container: Container;
    try {
      container = await this.docker.createContainer({
        Image: image,
        Entrypoint: ['/usr/libexec/arm-runner/write-binfmt'],
        Cmd: command,
        Labels: managedLabels('helper'),
        NetworkDisabled: true,
        HostConfig: { CapAdd: ['SYS_ADMIN'], NetworkMode: 'none' },
      });
    } catch (error) {
      throw fromEngineError(error, 'create the helper container that writes binfmt_misc');
    }

    try {
      if (interpreterTar !== undefined) {
        await container.putArchive({ filePath: interpreterTar }, { path: '/' });
      }
      await container.start();
      const exit = await container.wait();
      if (exit.StatusCode !== 0) {
        const output = await readContainerOutput(container, HELPER_OUTPUT_MAX_BYTES);
        throw new ArmRunnerError(
          'ENGINE_ERROR',
          `Could not ${command[0]} the binfmt_misc handler. The helper needs CAP_SYS_ADMIN and a host that allows mounting binfmt_misc.`,
          output.combined.trim() || `exit ${exit.StatusCode}`,
        );
      }
    } catch (error) {
      throw fromEngineError(error, `${command[0]} a binfmt_misc handler through the helper container`);
    } finally {
      await container.remove({ force: true }).catch((error: unknown) => {
        logger.warn({ event: 'helper.remove-failed', containerId: container.id, err: error }, 'could not remove the helper container');
      });
    }
  }
}
