import type { CleanupItem, CleanupPlan, Finding, ImageCheck, ProbeResult, PullResult, RunInfo, RunResult, StatusResponse } from '@arm-runner/contract';

const MODE_TEXT = {
  'native': 'runs natively',
  'host-handler': 'host handler with F (QEMU inside the image unused)',
  'in-image': 'QEMU inside the image',
} as const;

function flagsText(flags: string[]): string {
  return flags.length === 0 ? 'no flags' : `flags ${flags.join('')}`;
}

function findingLines(findings: Finding[], indent: string): string[] {
  return findings.flatMap((finding) => [
    `${indent}warning [${finding.code}]: ${finding.message}`,
    ...(finding.fix === undefined ? [] : [`${indent}  fix: ${finding.fix}`]),
  ]);
}

function probeText(result: ProbeResult): string {
  return result.outcome === 'ran' ? `ran (${result.machine ?? 'no machine name'})` : result.outcome;
}

export function formatStatus(status: StatusResponse): string {
  const lines = [
    `Engine: ${status.engine.os}/${status.engine.architecture}, Docker ${status.engine.serverVersion} (API ${status.engine.apiVersion}), kernel ${status.engine.kernelVersion}`,
    `binfmt_misc: ${status.binfmt.enabled ? 'enabled' : 'disabled'}`,
  ];
  const armHandlers = status.binfmt.handlers.filter((handler) => handler.matches.length > 0);
  if (armHandlers.length === 0) {
    lines.push('ARM handlers: none');
  } else {
    lines.push('ARM handlers:');
    for (const handler of armHandlers) {
      lines.push(
        `  ${handler.name}: ${handler.enabled ? 'enabled' : 'disabled'}, interpreter ${handler.interpreter}, ${flagsText(handler.flags)}, matches ${handler.matches.join(', ')}`,
      );
    }
  }
  for (const handler of status.binfmt.handlers.filter((entry) => entry.nativeFormats.length > 0)) {
    lines.push(`Native-format handler: ${handler.name} (${handler.nativeFormats.join(', ')}), interpreter ${handler.interpreter}`);
  }
  lines.push(...findingLines(status.warnings, ''));
  lines.push('Platforms:');
  for (const verdict of status.platforms) {
    lines.push(`  ${verdict.platform}: ${verdict.code}. ${verdict.message}`);
    if (verdict.fix !== undefined) {
      lines.push(`    fix: ${verdict.fix}`);
    }
    if (verdict.test !== undefined) {
      lines.push(`    tested: plain image ${probeText(verdict.test.plain)}, with QEMU added ${probeText(verdict.test.augmented)}`);
    }
    lines.push(...findingLines(verdict.warnings, '    '));
  }
  lines.push(`Bundled QEMU: ${status.qemu.map((entry) => `qemu-${entry.arch}-static ${entry.version}`).join(', ')}`);
  return lines.join('\n');
}

export function formatRunResult(run: RunResult): string {
  const emulation = run.emulation;
  const lines = [
    `Run ${run.id} (${run.name}) is up.`,
    `  image:      ${run.image} (${run.platform})`,
    `  augmented:  ${run.augmentedImage}${run.reusedAugmentedImage ? ' (reused)' : ' (built)'}`,
    ...run.endpoints.map((endpoint) => `  endpoint:   ${endpoint}`),
    `  emulation:  uname -m = ${emulation.machine ?? 'unknown'}, interpreter ${emulation.interpreter ?? 'not seen'}, ` +
      `handler ${emulation.handler ?? 'none'} (${flagsText(emulation.handlerFlags)}), ${MODE_TEXT[emulation.mode]}`,
  ];
  if (emulation.qemuVersion !== null) {
    lines.push(`  QEMU:       ${emulation.qemuVersion}`);
  }
  lines.push(`  verdict:    ${run.verdict.code}`);
  lines.push(...findingLines(run.warnings, '  '));
  return lines.join('\n');
}

export function formatRunList(runs: RunInfo[]): string {
  if (runs.length === 0) {
    return 'No ARM Runner runs.';
  }
  const rows = runs.map((run) => [run.id, run.state, run.platform, run.image, run.endpoints.join(' ')]);
  const header = ['ID', 'STATE', 'PLATFORM', 'IMAGE', 'ENDPOINTS'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  return [header, ...rows].map((row) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd()).join('\n');
}

export function formatPullResult(pull: PullResult): string {
  const lines = [
    `Pulled ${pull.platform} of ${pull.reference}.`,
    `  reference:  ${pull.digestReference}`,
    `  image id:   ${pull.imageId}`,
    `  platform:   ${pull.resolvedPlatform} (checked after the pull)`,
    `  offered:    ${pull.offeredPlatforms.join(', ')}`,
  ];
  if (pull.indexDigest !== undefined) {
    lines.push(`  index:      ${pull.indexDigest}`);
  }
  lines.push(...findingLines(pull.warnings, '  '));
  return lines.join('\n');
}

export function formatImageCheck(check: ImageCheck): string {
  const { program } = check.inspection;
  const lines = [`Image ${check.reference} (${check.platform}), ${check.imageId.slice(0, 19)}`];
  lines.push(`  command:    ${program.command.join(' ') || '(none)'}`);
  for (const step of program.steps) {
    lines.push(`  ${`${step.kind}:`.padEnd(11)} ${step.path}${step.detail === undefined ? '' : ` (${step.detail})`}`);
  }
  if (program.elf !== null) {
    const elf = program.elf;
    const cpu = elf.armAttributes?.cpuArch?.name;
    lines.push(`  program:    ${elf.machine.name}, ${elf.elfClass}-bit, ${elf.linkage}${cpu === undefined ? '' : `, built for ${cpu}`}`);
  }
  lines.push(`  setuid or setgid files: ${check.inspection.privilegedFiles.count}`);
  lines.push(`  verdict:    ${check.verdict.code}`);
  if (check.blocking !== undefined) {
    lines.push(`  a run would be refused [${check.blocking.code}]: ${check.blocking.message}`);
  }
  lines.push(...findingLines(check.findings, '  '));
  return lines.join('\n');
}

export function formatCleanupPlan(plan: CleanupPlan): string {
  const items = [...plan.runs.map((run) => `  run    ${run.id}  ${run.name} (${run.detail})`), ...plan.images.map((image) => `  image  ${image.name} (${image.detail})`)];
  if (items.length === 0) {
    return 'ARM Runner created nothing of that kind. Nothing to remove.';
  }
  return ['These would be removed:', ...items, 'Nothing was removed. Run the same command with --yes to remove them.'].join('\n');
}

export function formatCleanupResult(items: CleanupItem[]): string {
  if (items.length === 0) {
    return 'Nothing to remove.';
  }
  return items.map((item) => `${item.outcome === 'removed' ? 'removed' : 'kept   '}  ${item.name}${item.reason === undefined ? '' : `: ${item.reason}`}`).join('\n');
}
