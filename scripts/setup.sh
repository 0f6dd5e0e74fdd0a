#!/usr/bin/env bash
# Sets up a fresh machine for state-sync development: pnpm, the system packages the tests use
# (Debian's Chromium for real-browser tests, Debian's redis-server for the Redis and server tests; WebKitGTK,
# its build headers and Xvfb for the Tauri example app and its end-to-end test), and the workspace's
# node_modules from the frozen lockfile. Rust crates come from crates.io through cargo (a Rust toolchain from
# rustup is expected). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=12.4.2
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm -v 2>/dev/null)" != "$PNPM_VERSION" ]; then
  echo "setup: installing pnpm $PNPM_VERSION"
  npm install -g "pnpm@$PNPM_VERSION" >/dev/null
fi

apt_packages=()
command -v chromium >/dev/null 2>&1 || apt_packages+=(chromium)
command -v redis-server >/dev/null 2>&1 || apt_packages+=(redis-server)
# Tauri 2 on Linux (scripts/tauri-e2e.sh): WebKitGTK 4.1 and friends to build the app, Xvfb to run it.
for pkg in build-essential pkg-config libssl-dev libwebkit2gtk-4.1-dev libsoup-3.0-dev librsvg2-dev \
  libayatana-appindicator3-dev xvfb xauth; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || apt_packages+=("$pkg")
done
if [ ${#apt_packages[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing ${apt_packages[*]} with apt-get"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_packages[@]}" >/dev/null
  else
    echo "setup: please install ${apt_packages[*]} (Debian packages); browser and Rust tests need them" >&2
  fi
fi

# `electron` is a devDependency for its types only: never download its binary (pnpm does not run its install
# script anyway; this covers other package managers and an allowBuilds change).
export ELECTRON_SKIP_BINARY_DOWNLOAD=1
pnpm install --frozen-lockfile --reporter=silent
echo "setup: done"
