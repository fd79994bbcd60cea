# Targets for building, installing and publishing the ARM Runner extension.
IMAGE ?= armrunner/docker-extension
TAG ?= dev
PLATFORMS ?= linux/amd64,linux/arm64
# One platform for build-extension, for example linux/arm64; empty means the engine's own.
PLATFORM ?=

.DEFAULT_GOAL := help
.PHONY: help base-images build-extension install-extension update-extension uninstall-extension validate push-extension

help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  %-20s %s\n", $$1, $$2}'

base-images: ## Pull the base images, or build local ones where no registry is reachable
	TARGET_PLATFORM=$(PLATFORM) bash scripts/local-base-images.sh

build-extension: base-images ## Build the extension image $(IMAGE):$(TAG) for PLATFORM (default: this engine's)
	IMAGE=$(IMAGE):$(TAG) PLATFORM=$(PLATFORM) bash scripts/build-extension.sh

install-extension: build-extension ## Install the image into Docker Desktop
	docker extension install $(IMAGE):$(TAG) --force

update-extension: build-extension ## Update the installed extension to this build
	docker extension update $(IMAGE):$(TAG) --force

uninstall-extension: ## Remove the extension from Docker Desktop
	docker extension rm $(IMAGE):$(TAG)

validate: build-extension ## Check metadata.json and labels with Docker Desktop's validator
	docker extension validate $(IMAGE):$(TAG)

push-extension: ## Build for $(PLATFORMS) and push a semver TAG; an existing tag is never overwritten
	@echo "$(TAG)" | grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+$$' || { echo "TAG must be a version such as 1.2.3, not '$(TAG)'." >&2; exit 1; }
	@if docker manifest inspect $(IMAGE):$(TAG) >/dev/null 2>&1; then \
	  echo "$(IMAGE):$(TAG) already exists in the registry. Choose a new version." >&2; exit 1; fi
	docker buildx build --push --platform=$(PLATFORMS) -t $(IMAGE):$(TAG) .
