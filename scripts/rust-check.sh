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
# Both crates packaged together: cargo resolves the plugin's `state-sync` dependency to the freshly packaged
# one, and verifies (builds) each package from its tarball.
run cargo package --locked "${crates[@]}"
