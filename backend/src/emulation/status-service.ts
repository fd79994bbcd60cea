import type { EngineClient } from '../engine/client.ts';
import { ARM_PLATFORMS, type ArmPlatform, type EngineInfo, type PlatformVerdict, type StatusResponse } from '@arm-runner/contract';
import type { LoadedBundle } from '../bundle/bundle.ts';
import { readEngineInfo } from '../engine/client.ts';
import { fromEngineError } from '../engine/engine-errors.ts';
import { logger } from '../log.ts';
import { BinfmtView, LOCAL_BINFMT_DIRECTORY, type ResidentSource } from './binfmt-view.ts';
import { readBinfmtState } from './handler-reader.ts';
import type { HelperImage } from './helper-image.ts';
import { emulatorFor } from './platform.ts';
import type { VerdictTester } from './verdict-tester.ts';
import { applyVerdictTest, tableFindings, verdictFor, type BinfmtState } from './verdict.ts';

/** Reads the engine's architecture and binfmt_misc table, and turns them into verdicts. */
export class StatusService {
  private engineInfo: EngineInfo | undefined;
  private readonly binfmtView: BinfmtView;

  constructor(
    private readonly docker: EngineClient,
    private readonly bundle: LoadedBundle,
    private readonly helper: HelperImage,
    private readonly tester: VerdictTester,
    resident?: ResidentSource,
  ) {
    this.binfmtView = new BinfmtView(
      async () => readBinfmtState(this.docker, this.helper, (await this.engine()).architecture),
      LOCAL_BINFMT_DIRECTORY,
      resident,
    );
  }

  /** Returns the engine's facts. The architecture cannot change while the engine runs, so it is read once. */
  async engine(): Promise<EngineInfo> {
    this.engineInfo ??= await readEngineInfo(this.docker);
    return this.engineInfo;
  }

  /** Reads the handler table afresh on every call, so that a handler that vanished is seen before a run starts. */
  async binfmt(): Promise<BinfmtState> {
    return this.binfmtView.read((await this.engine()).architecture);
  }

  /** Returns the verdict that the handler table alone gives, without running anything. */
  verdict(platform: ArmPlatform, engine: EngineInfo, binfmt: BinfmtState): PlatformVerdict {
    return verdictFor(platform, engine.architecture, binfmt, this.bundle.qemu(emulatorFor(platform)).interpreterPath);
  }

  /**
   * Returns where, besides the bundle's own path, an augmented image must
   * carry QEMU: the interpreter path of a handler without F, when it differs.
   */
  extraInterpreterPaths(verdict: PlatformVerdict): string[] {
    const bundledPath = this.bundle.qemu(emulatorFor(verdict.platform)).interpreterPath;
    if (verdict.code !== 'needs-qemu-in-image' || verdict.interpreter === undefined || verdict.interpreter === bundledPath) {
      return [];
    }
    return [verdict.interpreter];
  }

  /**
   * Returns the verdict checked by running the probe program through the
   * engine. When the probe cannot run at all (an engine error), the table's
   * verdict is returned without a test, and the error is logged.
   */
  async testedVerdict(platform: ArmPlatform, engine: EngineInfo, binfmt: BinfmtState): Promise<PlatformVerdict> {
    const verdict = this.verdict(platform, engine, binfmt);
    try {
      const test = await this.tester.test(platform, engine.architecture, binfmt, this.extraInterpreterPaths(verdict));
      return applyVerdictTest(verdict, test);
    } catch (error) {
      logger.warn({ event: 'verdict.test-failed', platform, err: error }, 'could not run the probe program; the verdict comes from the handler table only');
      return verdict;
    }
  }

  private async pingEngine(): Promise<void> {
    try {
      await this.docker.ping();
    } catch (error) {
      throw fromEngineError(error, 'read its status');
    }
  }

  /** Returns the full status. `refresh` drops cached test results first. */
  async status(options: { refresh?: boolean } = {}): Promise<StatusResponse> {
    if (options.refresh === true) {
      this.tester.invalidate();
    }
    // The engine's facts and the tested verdicts are cached, and the table may
    // be read without the engine, so a ping is what tells that it is still up.
    const [engine, binfmt] = await Promise.all([this.pingEngine().then(() => this.engine()), this.binfmt()]);
    const platforms = await Promise.all(ARM_PLATFORMS.map((platform) => this.testedVerdict(platform, engine, binfmt)));
    return {
      engine,
      binfmt,
      platforms,
      qemu: this.bundle.manifest.qemu.map(({ arch, interpreterPath, version, sha256 }) => ({ arch, interpreterPath, version, sha256 })),
      warnings: tableFindings(binfmt),
    };
  }
}
