#!/usr/bin/env bash
# Runs the main job on a fresh Debian machine in one command. It provisions the
# engine and QEMU, installs and builds ARM Runner and makes its assets. Then it
# runs the built-in sample, a busybox web server built for linux/arm/v7, and
# prints its endpoint and emulation evidence.
#
# When the engine's host has no binfmt_misc handler for 32-bit ARM, the script
# registers qemu-arm WITHOUT the F flag. That is the state in which only the
# augmented image runs, and it lasts until the machine restarts.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

bash scripts/provision-engine.sh
if [[ ! -d node_modules ]]; then
  npm ci --no-fund --no-audit
fi
npm run build
bash scripts/prepare-assets.sh

if ! node backend/bin/arm-runner.mjs status --json | node -e '
  const status = JSON.parse(require("fs").readFileSync(0, "utf8"));
  const v7 = status.platforms.find((verdict) => verdict.platform === "linux/arm/v7");
  process.exit(v7 && v7.code !== "cannot-run" ? 0 : 1);
'; then
  echo "[demo] No binfmt_misc handler runs linux/arm/v7 here. Registering qemu-arm without the F flag (until the next reboot)."
  bash scripts/binfmt-handler.sh register arm ''
fi

echo
node backend/bin/arm-runner.mjs status
echo
node backend/bin/arm-runner.mjs sample
echo
echo "Open the endpoint above, or: curl <endpoint>cgi-bin/machine"
echo "Stop and remove it with: npx arm-runner rm <id>"
echo "Open the ARM Runner tab in a browser with: npm start"
