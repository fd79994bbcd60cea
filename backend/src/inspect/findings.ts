import type { ImageConfigPlatform, InspectionFinding, PrivilegedFileList, ProgramResolution } from '@arm-runner/contract';
import { checkPlatform } from './platform-checks.ts';
import { checkPrivilegedFiles, checkProgram } from './program-checks.ts';

export interface InspectionFacts {
  platform: ImageConfigPlatform;
  program: ProgramResolution;
  privilegedFiles: PrivilegedFileList;
}

/** Runs every check on an inspected image and returns the findings, errors first. */
export function collectFindings(facts: InspectionFacts): InspectionFinding[] {
  const findings = [...checkProgram(facts.program)];
  if (facts.program.elf !== null && facts.program.elfPath !== null) {
    findings.push(...checkPlatform(facts.platform, facts.program.elfPath, facts.program.elf));
  }
  findings.push(...checkPrivilegedFiles(facts.privilegedFiles));

  const order = { error: 0, warning: 1, info: 2 } as const;
  return findings.sort((left, right) => order[left.severity] - order[right.severity]);
}
