# Sourced by the Rust scripts: one Cargo target directory outside the clone, under the user's cache, so every
# clone on this machine (a session's, then CI's fresh one) reuses the same build. A cold build of `tauri`
# takes many minutes on two cores; a warm one is incremental. Override with CARGO_TARGET_DIR.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/state-sync/cargo-target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo is not installed; install a Rust toolchain with rustup (cargo, clippy, rustfmt)" >&2
  exit 1
fi
