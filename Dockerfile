# ARM Runner as a Docker Desktop extension image, for linux/amd64 and linux/arm64.
# Build with BuildKit (TARGETARCH, BUILDPLATFORM and the optional npm CA secret
# need it):
#   make build-extension                        for this machine's CPU
#   make build-extension PLATFORM=linux/arm64   a cross-build
# Base images are build arguments, so that machines without a registry can
# build local ones first (scripts/local-base-images.sh). Every RUN step runs
# on the build machine's CPU, so a cross-build needs no emulation.
ARG DEBIAN_IMAGE=debian:bookworm-slim
ARG NODE_IMAGE=node:20-bookworm-slim
# The image that supplies the Node.js binary for the target CPU. It is the
# same multi-arch image by default. A local image store holds one platform per
# tag, so a cross-build without a registry names a local image here.
ARG NODE_RUNTIME_IMAGE=node:20-bookworm-slim

# Debian's static QEMU and busybox and the C and C++ runtime libraries that
# Node.js links, all for the target CPU, downloaded and unpacked without
# running anything of that CPU.
FROM --platform=$BUILDPLATFORM ${DEBIAN_IMAGE} AS target-packages
ARG TARGETARCH
RUN if [ "$TARGETARCH" != "$(dpkg --print-architecture)" ]; then dpkg --add-architecture "$TARGETARCH"; fi \
 && apt-get update \
 && mkdir -m 0777 /debs \
 && cd /debs \
 && apt-get download "qemu-user-static:$TARGETARCH" "busybox-static:$TARGETARCH" \
      "libc6:$TARGETARCH" "libgcc-s1:$TARGETARCH" "libstdc++6:$TARGETARCH" \
 && for deb in ./*.deb; do dpkg-deb -x "$deb" /target; done \
 && rm -rf /debs /var/lib/apt/lists/*
# The runtime root filesystem: the shared libraries and a /tmp, nothing else.
# glibc's character set converters (gconv) are left out, as Node.js does not
# load them.
RUN mkdir -p /rootfs/usr/lib /rootfs/tmp \
 && chmod 1777 /rootfs/tmp \
 && cp -a /target/lib /rootfs/lib \
 && if [ -d /target/lib64 ]; then cp -a /target/lib64 /rootfs/lib64; fi \
 && cp -a /target/usr/lib/*-linux-gnu /rootfs/usr/lib/ \
 && rm -rf /rootfs/usr/lib/*-linux-gnu/gconv

# The built-in sample: a busybox web server for linux/arm/v7, as an image
# archive. It is the same for every target CPU.
FROM --platform=$BUILDPLATFORM ${DEBIAN_IMAGE} AS sample
RUN dpkg --add-architecture armhf
WORKDIR /src
COPY scripts/fetch-debs.sh scripts/build-fixtures.sh scripts/
RUN bash scripts/build-fixtures.sh --no-load --sample-only

FROM --platform=$BUILDPLATFORM ${NODE_IMAGE} AS build
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
COPY --from=target-packages /target/usr/bin/qemu-arm-static /target/usr/bin/qemu-aarch64-static /qemu/
COPY --from=target-packages /target/bin/busybox /helper/busybox
# Checks that each QEMU is a static ELF, and records its version and sha256.
RUN node backend/bin/arm-runner.mjs bundle make --qemu-dir /qemu --busybox /helper/busybox --out /bundle

FROM ${NODE_RUNTIME_IMAGE} AS node-runtime

# The final image has no shell and no package manager: Node.js, the libraries
# it links, and ARM Runner's files.
FROM scratch
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
COPY --from=target-packages /rootfs /
COPY --from=node-runtime /usr/local/bin/node /usr/local/bin/node
COPY metadata.json docker.svg docker-compose.yaml /
COPY --from=build /src/ui/dist /ui
COPY --from=build /src/backend/dist/arm-runner.mjs /backend/arm-runner.mjs
COPY --from=build /bundle /opt/arm-runner/bundle
COPY --from=sample /src/build/images/sample-armv7.tar /opt/arm-runner/sample-armv7.tar
ENV PATH=/usr/local/bin \
    ARM_RUNNER_BUNDLE_DIR=/opt/arm-runner/bundle \
    ARM_RUNNER_SAMPLE_ARCHIVE=/opt/arm-runner/sample-armv7.tar \
    ARM_RUNNER_UI_DIR=/ui
CMD ["node", "/backend/arm-runner.mjs", "serve", "--socket", "/run/guest-services/backend.sock"]
