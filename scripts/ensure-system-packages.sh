#!/usr/bin/env bash
# Installs the Debian packages Frontdesk needs, only those that are missing.
# Usage: scripts/ensure-system-packages.sh [extra-package …]
set -euo pipefail

packages=(libsqlite3-dev libopus-dev libopusenc-dev libspeexdsp-dev libespeak-ng-dev libsodium-dev "$@")
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing missing system packages: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "Need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
