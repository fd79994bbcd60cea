import type Docker from 'dockerode';
import { ARM_PLATFORMS, type ArmPlatform, type EngineInfo, type PlatformVerdict, type StatusResponse } from '@arm-runner/contract';
import type { LoadedBundle } from '../bundle/bundle.ts';
import { readEngineInfo } from '../engine/client.ts';
import { readBinfmtState } from './handler-reader.ts';
import type { HelperImage } from './helper-image.ts';
import { emulatorFor } from './platform.ts';
import { verdictFor, type BinfmtState } from './verdict.ts';

/** Reads the engine's architecture and binfmt_misc table, and turns them into verdicts. */
export class StatusService {
  private engineInfo: EngineInfo | undefined;

  constructor(
    private readonly docker: Docker,
    private readonly bundle: LoadedBundle,
    private readonly helper: HelperImage,
  ) {}

  /** Returns the engine's facts. The architecture cannot change while the engine runs, so it is read once. */
  async engine(): Promise<EngineInfo> {
    this.engineInfo ??= await readEngineInfo(this.docker);
    return this.engineInfo;
  }

  async binfmt(): Promise<BinfmtState> {
    return readBinfmtState(this.docker, this.helper);
  }

  verdict(platform: ArmPlatform, engine: EngineInfo, binfmt: BinfmtState): PlatformVerdict {
    return verdictFor(platform, engine.architecture, binfmt, this.bundle.qemu(emulatorFor(platform)).interpreterPath);
  }

  async status(): Promise<StatusResponse> {
    const engine = await this.engine();
    const binfmt = await this.binfmt();
    return {
      engine,
      binfmt,
      platforms: ARM_PLATFORMS.map((platform) => this.verdict(platform, engine, binfmt)),
      qemu: this.bundle.manifest.qemu.map(({ arch, interpreterPath, version, sha256 }) => ({ arch, interpreterPath, version, sha256 })),
    };
  }
}
