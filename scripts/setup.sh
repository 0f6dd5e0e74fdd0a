#!/usr/bin/env bash
# Sets up a fresh machine for state-sync development: pnpm, the system packages the tests use
# (Debian's Chromium for real-browser tests, Debian's redis-server for the Redis and server tests, Debian's serde crates for the offline Rust build),
# and the workspace's node_modules from the frozen lockfile. Safe to run again.
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
ls -d /usr/share/cargo/registry/serde_json-* >/dev/null 2>&1 || apt_packages+=(librust-serde-dev librust-serde-derive-dev librust-serde-json-dev)
if [ ${#apt_packages[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing ${apt_packages[*]} with apt-get"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_packages[@]}" >/dev/null
  else
    echo "setup: please install ${apt_packages[*]} (Debian packages); browser and Rust tests need them" >&2
  fi
fi

pnpm install --frozen-lockfile --reporter=silent
echo "setup: done"
