#!/usr/bin/env bash
# End-to-end test of a real Tauri app (examples/tauri-multiwindow): builds it with the Tauri CLI (debug, no
# bundle), runs it under Xvfb with Debian's WebKitGTK, and checks the scenario it runs (three windows
# converge, a late window, a window closed mid-sync, 1,000 rapid writes, window-to-window latency). The
# latency figures are written to bench/RESULTS.md. `pnpm test:tauri` runs this; so does CI.
# Needs scripts/setup.sh (WebKitGTK, Xvfb) and a Rust toolchain. The target directory is shared and lives
# outside the clone (scripts/cargo-env.sh): a cold build of tauri takes many minutes, a warm one seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=cargo-env.sh
source scripts/cargo-env.sh

for tool in xvfb-run pkg-config; do
  command -v "$tool" >/dev/null 2>&1 || { echo "tauri-e2e: $tool is missing; run scripts/setup.sh" >&2; exit 1; }
done
pkg-config --exists webkit2gtk-4.1 || { echo "tauri-e2e: WebKitGTK 4.1 headers are missing; run scripts/setup.sh" >&2; exit 1; }

# The front end imports the workspace packages as users do, from their built dist/.
[ -f packages/tauri/dist/index.mjs ] && [ -f packages/pinia/dist/index.mjs ] || pnpm build

app=examples/tauri-multiwindow
started=$(date +%s)
(cd "$app" && nice pnpm exec tauri build --debug --no-bundle --ci)
echo "tauri-e2e: app built in $(( $(date +%s) - started )) s (target dir $CARGO_TARGET_DIR)"

node "$app/e2e/run.mjs" "$CARGO_TARGET_DIR/debug/tauri-multiwindow"
