#!/usr/bin/env bash
# Checks the Rust crate crates/state-sync offline: format, clippy (pedantic, warnings are errors), tests
# (unit, integration incl. the shared conformance/ vectors, doc tests), docs, and the example.
# Builds against Debian's packaged crates through crates/cargo-offline.toml (no crates.io access needed);
# the crate's own Cargo.toml is a plain crates.io manifest. Run scripts/setup.sh first on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/../crates/state-sync"
config="$(cd .. && pwd)/cargo-offline.toml"

if ! command -v cargo >/dev/null 2>&1; then
  echo "rust-check: cargo is not installed; install a Rust toolchain (cargo, clippy, rustfmt)" >&2
  exit 1
fi
if ! ls -d /usr/share/cargo/registry/serde_json-* >/dev/null 2>&1; then
  echo "rust-check: Debian's serde crates are missing; run scripts/setup.sh" \
    "(apt-get install librust-serde-dev librust-serde-derive-dev librust-serde-json-dev)" >&2
  exit 1
fi

run() {
  printf '+ %s\n' "$*"
  "$@"
}
# `--config` goes after the subcommand: `cargo --config F clippy` does not reach clippy's inner cargo.
run cargo fmt --check
run cargo clippy --config "$config" --all-targets -- -D warnings -W clippy::pedantic
run cargo test --config "$config"
RUSTDOCFLAGS="-D warnings" run cargo doc --config "$config" --no-deps
run cargo run --config "$config" --example tauri_commands
