#!/usr/bin/env bash
# Checks the Rust crates of the workspace (Cargo.toml at the root): crates/state-sync and
# crates/tauri-plugin-state-sync. Format, clippy (pedantic, warnings are errors), tests (unit, the plugin's
# mock-runtime tests, integration tests incl. the shared conformance/ vectors, doc tests), docs, the example,
# and `cargo package` for both crates. Dependencies come from crates.io; the target directory lives outside
# the clone (scripts/cargo-env.sh). The Tauri example app is built and run by scripts/tauri-e2e.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=cargo-env.sh
source scripts/cargo-env.sh

crates=(-p state-sync -p tauri-plugin-state-sync)
# The shared conformance/ vectors, through both crates (an unpublished package: the vectors live outside them).
checked=("${crates[@]}" -p state-sync-conformance)
run() {
  printf '+ %s\n' "$*"
  nice "$@"
}
run cargo fmt --all --check
run cargo clippy --locked "${checked[@]}" --all-targets -- -D warnings -W clippy::pedantic
run cargo test --locked "${checked[@]}"
RUSTDOCFLAGS="-D warnings" run cargo doc --locked "${crates[@]}" --no-deps
run cargo run --locked -p state-sync --example tauri_commands
# cargo verifies the plugin against the freshly packaged state-sync, taken from a temporary local registry. A
# registry crate counts as immutable, so a unit built by an earlier run with the same version (unpacked source
# in the cargo home, compiled unit in the target dir) would be reused even though the source changed. Forget
# both so each run verifies what it packages (costs a rebuild of the two crates, not of their dependencies).
cargo_home="${CARGO_HOME:-$HOME/.cargo}"
rm -rf "$cargo_home"/registry/src/-*/state-sync-[0-9]* "$cargo_home"/registry/src/-*/tauri-plugin-state-sync-[0-9]* \
  "$CARGO_TARGET_DIR"/debug/.fingerprint/state-sync-[0-9a-f]* \
  "$CARGO_TARGET_DIR"/debug/.fingerprint/tauri-plugin-state-sync-[0-9a-f]*
# Both crates packaged together: cargo resolves the plugin's `state-sync` dependency to the freshly packaged
# one, and verifies (builds) each package from its tarball.
run cargo package --locked "${crates[@]}"
