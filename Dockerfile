# ARM Runner as a Docker Desktop extension image.
# NOTE: a first draft. CI does not build this file yet; the same bundle is
# made on the machine by scripts/prepare-assets.sh.
ARG DEBIAN_IMAGE=debian:bookworm-slim
ARG NODE_IMAGE=node:20-bookworm-slim

# Static QEMU and busybox for the engine's own CPU (TARGETARCH), from Debian.
FROM ${DEBIAN_IMAGE} AS debian-binaries
RUN apt-get update \
 && apt-get install -y --no-install-recommends qemu-user-static busybox-static \
 && rm -rf /var/lib/apt/lists/*

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
COPY contract/package.json contract/
COPY backend/package.json backend/
COPY ui/package.json ui/
RUN npm ci --no-fund --no-audit
COPY . .
RUN npm run build
# The bundle step checks that each QEMU is a static ELF and records its version.
COPY --from=debian-binaries /usr/bin/qemu-arm-static /usr/bin/qemu-aarch64-static /qemu/
COPY --from=debian-binaries /bin/busybox /helper/busybox
RUN node backend/bin/arm-runner.mjs bundle make --qemu-dir /qemu --busybox /helper/busybox --out /bundle

FROM ${NODE_IMAGE}
LABEL org.opencontainers.image.title="ARM Runner" \
      org.opencontainers.image.description="Run ARM (Raspberry Pi, IoT) container images on x86 through QEMU, with the emulation explained." \
      org.opencontainers.image.vendor="ARM Runner" \
      com.docker.desktop.extension.api.version=">= 0.3.4" \
      com.docker.desktop.extension.icon="docker.svg"
COPY metadata.json docker.svg docker-compose.yaml /
COPY --from=build /src/ui/dist /ui
COPY --from=build /src/backend/dist /backend
COPY --from=build /bundle /opt/arm-runner/bundle
ENV ARM_RUNNER_BUNDLE_DIR=/opt/arm-runner/bundle
CMD ["node", "/backend/arm-runner.mjs", "serve", "--socket", "/run/guest-services/backend.sock"]
