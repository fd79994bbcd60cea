import type { RunInfo } from '@arm-runner/contract';

/**
 * Returns the docker commands that do what ARM Runner did for a run by hand:
 * build the augmented image from a two-line Dockerfile, then run it with the
 * same published ports. The QEMU tar is the one in ARM Runner's bundle.
 */
export function cliEquivalent(run: RunInfo): string {
  const qemuTar = run.platform === 'linux/arm64' ? 'qemu-aarch64-static.tar' : 'qemu-arm-static.tar';
  const ports = run.ports.map((port) => `-p ${port.hostIp}:${port.hostPort}:${port.containerPort}/${port.protocol}`).join(' ');
  const environment = run.platform === 'linux/arm/v6' ? '-e QEMU_CPU=arm1176 ' : '';
  // A tag of the user's own, so that running these commands never replaces ARM Runner's labelled image.
  const tag = 'my-arm-image-with-qemu';
  return [
    `# In a folder that contains ${qemuTar} from ARM Runner's bundle:`,
    `printf 'FROM ${run.sourceImageId}\\nADD ${qemuTar} /\\n' > Dockerfile`,
    `docker build --platform ${run.platform} -t ${tag} .`,
    `docker run -d --platform ${run.platform} ${environment}${ports} ${tag}`,
  ].join('\n');
}
