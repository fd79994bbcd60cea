import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { logger } from '../log.ts';
import { parseBinfmtListing } from './binfmt.ts';
import type { BinfmtState } from './verdict.ts';

/** The binfmt_misc folder of this process, which shows the engine's table only on the engine's own kernel. */
export const LOCAL_BINFMT_DIRECTORY = '/proc/sys/fs/binfmt_misc';
const BOOT_ID_PATH = '/proc/sys/kernel/random/boot_id';

/**
 * The identity of one binfmt_misc table: the kernel's boot id, and the device
 * number of the mounted binfmt_misc file system. Two views with the same pair
 * show the same table, so either can be read.
 */
export interface BinfmtIdentity {
  bootId: string;
  device: string;
}

/** One reading of the table through the helper container, with the identity it printed. */
export interface HelperReading {
  state: BinfmtState;
  identity: BinfmtIdentity | undefined;
}

/** A helper that stays running and reads the table on request (see ResidentReader). */
export interface ResidentSource {
  readonly available: boolean;
  read(engineArchitecture: string): Promise<HelperReading>;
}

/**
 * Splits the identity lines ("@boot_id:…" and "@device:…") from the helper's
 * listing. They start with "@", which no binfmt_misc path does.
 */
export function splitIdentity(listing: string): { listing: string; identity: BinfmtIdentity | undefined } {
  let bootId: string | undefined;
  let device: string | undefined;
  const rest: string[] = [];
  for (const line of listing.split('\n')) {
    const match = /^@(boot_id|device):(.*)$/.exec(line);
    if (match === null) {
      rest.push(line);
    } else if (match[1] === 'boot_id') {
      bootId = match[2]?.trim();
    } else {
      device = match[2]?.trim();
    }
  }
  const identity = bootId && device ? { bootId, device } : undefined;
  return { listing: rest.join('\n'), identity };
}

/** Reads the identity of the binfmt_misc table mounted at `directory`, or undefined when none is mounted there. */
export async function localIdentity(directory = LOCAL_BINFMT_DIRECTORY): Promise<BinfmtIdentity | undefined> {
  try {
    const [bootId, status] = await Promise.all([readFile(BOOT_ID_PATH, 'utf8'), stat(path.join(directory, 'status'))]);
    return { bootId: bootId.trim(), device: String(status.dev) };
  } catch {
    return undefined;
  }
}

/** Reads the table at `directory` into the same "<path>:<line>" listing the helper prints. */
export async function readLocalListing(directory = LOCAL_BINFMT_DIRECTORY): Promise<string> {
  const names = (await readdir(directory)).filter((name) => name !== 'register').sort();
  const contents = await Promise.all(names.map((name) => readFile(path.join(directory, name), 'utf8')));
  const lines: string[] = [];
  names.forEach((name, index) => {
    for (const line of (contents[index] ?? '').split('\n')) {
      if (line !== '') {
        lines.push(`${directory}/${name}:${line}`);
      }
    }
  });
  return lines.join('\n');
}

/**
 * Reads the engine host's binfmt_misc table, every time it is asked, from the
 * cheapest place that shows the real table.
 *
 * The helper container always shows it. When this process runs on the
 * engine's own kernel (the CLI or the standalone host next to a local engine),
 * its own /proc shows the same table. Reading a few files there takes well
 * under a millisecond, where the helper takes a container start. That is used only after
 * the helper's identity equals the local one. Inside Docker Desktop the
 * backend's container has no binfmt_misc mounted, so it reads through a resident
 * helper, when one is given, and a one-shot helper otherwise.
 */
export class BinfmtView {
  /** undefined: not decided yet; null: no local view; a string: the verified local folder. */
  private localDirectory: string | null | undefined;

  constructor(
    private readonly readThroughHelper: () => Promise<HelperReading>,
    private readonly directory = LOCAL_BINFMT_DIRECTORY,
    private readonly resident?: ResidentSource,
  ) {}

  /** The source of the next read: the local folder, a resident or one-shot helper, or not decided before the first read. */
  get source(): 'local' | 'resident' | 'helper' | 'undecided' {
    if (this.localDirectory === undefined) {
      return 'undecided';
    }
    if (this.localDirectory !== null) {
      return 'local';
    }
    return this.resident?.available === true ? 'resident' : 'helper';
  }

  async read(engineArchitecture: string): Promise<BinfmtState> {
    if (typeof this.localDirectory === 'string') {
      try {
        const listing = await readLocalListing(this.localDirectory);
        if (!/\/status:/.test(listing)) {
          throw new Error(`${this.localDirectory} has no status file`);
        }
        return parseBinfmtListing(listing, engineArchitecture);
      } catch (error) {
        // Unmounted since it was verified: decide again after a helper read.
        logger.warn({ event: 'binfmt.local-read-failed', directory: this.localDirectory, err: error }, 'binfmt_misc could not be read directly, so the helper container reads it');
        this.localDirectory = undefined;
      }
    }

    if (this.localDirectory === null && this.resident?.available === true) {
      try {
        return (await this.resident.read(engineArchitecture)).state;
      } catch {
        // The resident reader logged why. This read goes through a one-shot helper.
      }
    }

    const reading = await this.readThroughHelper();
    if (this.localDirectory === undefined) {
      await this.decide(reading.identity);
    }
    return reading.state;
  }

  private async decide(helperIdentity: BinfmtIdentity | undefined): Promise<void> {
    const local = await localIdentity(this.directory);
    const same = helperIdentity !== undefined && local !== undefined && helperIdentity.bootId === local.bootId && helperIdentity.device === local.device;
    this.localDirectory = same ? this.directory : null;
    logger.info(
      { event: 'binfmt.view', source: same ? 'local' : 'helper', helperIdentity, localIdentity: local },
      same ? 'this process shares the engine\'s kernel; binfmt_misc is read directly' : 'binfmt_misc is read through the helper container',
    );
  }
}
