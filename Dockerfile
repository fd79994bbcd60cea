# ARM Runner as a Docker Desktop extension image.
# Build with BuildKit (TARGETARCH and the optional npm CA secret need it):
#   make build-extension
# Base images are build arguments, so that machines without a registry can
# build local ones first (scripts/local-base-images.sh).
ARG DEBIAN_IMAGE=debian:bookworm-slim
ARG NODE_IMAGE=node:20-bookworm-slim

# Debian's static QEMU and busybox for the CPU the extension runs on.
FROM ${DEBIAN_IMAGE} AS debian-binaries
RUN apt-get update \
 && apt-get install -y --no-install-recommends qemu-user-static busybox-static \
 && rm -rf /var/lib/apt/lists/*

# The built-in sample: a busybox web server for linux/arm/v7, as an image archive.
FROM ${DEBIAN_IMAGE} AS sample
RUN dpkg --add-architecture armhf
WORKDIR /src
COPY scripts/fetch-debs.sh scripts/build-fixtures.sh scripts/
RUN bash scripts/build-fixtures.sh --no-load --sample-only

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
COPY contract/package.json contract/
COPY backend/package.json backend/
COPY ui/package.json ui/
# The CA bundle secret is optional: it is only for networks whose TLS proxy
# npm does not trust by default.
RUN --mount=type=secret,id=npm_cafile,required=false \
    if [ -f /run/secrets/npm_cafile ]; then export npm_config_cafile=/run/secrets/npm_cafile; fi \
 && npm ci --no-fund --no-audit
COPY contract contract
COPY backend backend
COPY ui ui
COPY tsconfig.json ./
RUN npm run build
COPY --from=debian-binaries /usr/bin/qemu-arm-static /usr/bin/qemu-aarch64-static /qemu/
COPY --from=debian-binaries /bin/busybox /helper/busybox
# Checks that each QEMU is a static ELF, and records its version and sha256.
RUN node backend/bin/arm-runner.mjs bundle make --qemu-dir /qemu --busybox /helper/busybox --out /bundle

FROM ${NODE_IMAGE}
ARG TARGETARCH
LABEL org.opencontainers.image.title="ARM Runner" \
      org.opencontainers.image.description="Run ARM (Raspberry Pi, IoT) container images on x86 through QEMU, and see how each one is emulated." \
      org.opencontainers.image.vendor="ARM Runner" \
      org.opencontainers.image.licenses="Apache-2.0" \
      com.docker.desktop.extension.api.version=">= 0.3.4" \
      com.docker.desktop.extension.icon="docker.svg" \
      com.docker.extension.categories="utility-tools,testing-tools" \
      com.docker.extension.publisher-url="https://github.com/arm-runner/arm-runner" \
      com.docker.extension.additional-urls="[{\"title\":\"Documentation\",\"url\":\"https://github.com/arm-runner/arm-runner#readme\"},{\"title\":\"API\",\"url\":\"https://github.com/arm-runner/arm-runner/blob/main/docs/api.md\"}]" \
      com.docker.extension.screenshots="[{\"alt\":\"The ARM Runner tab with a running arm/v7 image\",\"url\":\"https://raw.githubusercontent.com/arm-runner/arm-runner/main/docs/images/tab-running-light.png\"}]" \
      com.docker.extension.detailed-description="<p>ARM Runner runs ARM container images (linux/arm/v6, linux/arm/v7, linux/arm64) on an x86 engine through QEMU. It adds a static QEMU to the image, runs it with its ports on 127.0.0.1, and shows which binfmt_misc handler runs it, with which flags, and what uname -m reports inside.</p>" \
      com.docker.extension.changelog="<ul><li>First release: run ARM images with one click, emulation status, built-in sample.</li></ul>"
COPY metadata.json docker.svg docker-compose.yaml /
COPY --from=build /src/ui/dist /ui
COPY --from=build /src/backend/dist /backend
COPY --from=build /bundle /opt/arm-runner/bundle
COPY --from=sample /src/build/images/sample-armv7.tar /opt/arm-runner/sample-armv7.tar
ENV ARM_RUNNER_BUNDLE_DIR=/opt/arm-runner/bundle \
    ARM_RUNNER_SAMPLE_ARCHIVE=/opt/arm-runner/sample-armv7.tar \
    ARM_RUNNER_UI_DIR=/ui
CMD ["node", "/backend/arm-runner.mjs", "serve", "--socket", "/run/guest-services/backend.sock"]
