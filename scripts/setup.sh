#!/usr/bin/env bash
# Prepares a Debian 12 machine (as root) to build, test and run tsrunc:
# system packages, npm dependencies, the build, and the demo bundle's rootfs.
# Safe to run again: every step is skipped when its result is already there.
set -euo pipefail

# Tools the build, the tests and the benchmarks need. runc is the reference
# runtime that tests and benchmarks compare against; crun the second yardstick of bench/;
# containerd, podman and docker.io are the engines of the end-to-end tests,
# containernetworking-plugins the CNI plugins of the CRI (Kubernetes) test.
APT_PACKAGES=(build-essential libseccomp-dev busybox-static uidmap tini jq iproute2 runc crun strace containerd podman golang-go docker.io containernetworking-plugins)

step() { echo "==> $*"; }
die() { echo "setup: error: $*" >&2; exit 1; }
trap 'echo "setup: error: command failed (exit $?) at line $LINENO: $BASH_COMMAND" >&2' ERR

cd "$(dirname "$0")/.."

[ "$(id -u)" -eq 0 ] || die "run as root (installs packages and builds a rootfs owned by root)"
command -v apt-get >/dev/null || die "apt-get not found; this script supports Debian 12"

step "system packages"
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "all installed"
fi

step "node"
command -v node >/dev/null || die "node not found; install Node.js 20 or newer"
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || die "node $(node --version) is too old; tsrunc needs Node.js 20 or newer"
echo "node $(node --version)"

step "npm dependencies"
# npm writes node_modules/.package-lock.json on install; older than the lock file means stale.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
  touch node_modules/.package-lock.json
else
  echo "up to date"
fi

step "build"
npm run --silent build

step "demo rootfs"
scripts/make-rootfs.sh bundles/busybox/rootfs

step "done"
