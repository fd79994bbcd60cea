// Labels are the product's only state. Every image and container ARM Runner
// creates carries LABEL_MANAGED, and nothing without it is ever changed.
const PREFIX = 'io.arm-runner';

export const LABELS = {
  managed: `${PREFIX}.managed`,
  role: `${PREFIX}.role`,
  sourceImage: `${PREFIX}.source-image`,
  sourceImageId: `${PREFIX}.source-image-id`,
  platform: `${PREFIX}.platform`,
  qemuVersion: `${PREFIX}.qemu-version`,
  qemuSha256: `${PREFIX}.qemu-sha256`,
  interpreterPath: `${PREFIX}.interpreter-path`,
  extraInterpreterPaths: `${PREFIX}.extra-interpreter-paths`,
  augmentedImage: `${PREFIX}.augmented-image`,
  exposeOnLan: `${PREFIX}.expose-on-lan`,
  helperVersion: `${PREFIX}.helper-version`,
  probeSha256: `${PREFIX}.probe-sha256`,
} as const;

export type Role = 'augmented-image' | 'augment-build' | 'run' | 'helper' | 'binfmt-reader' | 'helper-image' | 'probe-image' | 'probe' | 'inspect';

export function managedLabels(role: Role): Record<string, string> {
  return { [LABELS.managed]: 'true', [LABELS.role]: role };
}

export function roleFilter(role: Role): string[] {
  return [`${LABELS.managed}=true`, `${LABELS.role}=${role}`];
}
