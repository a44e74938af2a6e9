#!/usr/bin/env bash
# Installs what the `berth audit` tests and scripts/bench-audit.sh use: Podman (a real engine whose
# `podman system service` serves the Docker-compatible API, with created containers on vfs storage)
# and a static busybox for the one-binary image those containers are created from. Idempotent and
# non-interactive; versions pinned to Debian 12.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive

declare -A APT_PACKAGES=(
    [podman]="4.3.1+ds1-8+deb12u1+b3"
    [busybox-static]="1:1.35.0-4+deb12u1+b1"
    [tar]="*"
    [curl]="*"
)

missing=()
for package in "${!APT_PACKAGES[@]}"; do
    want="${APT_PACKAGES[$package]}"
    have="$(dpkg-query -W -f='${Version}' "$package" 2>/dev/null || true)"
    if [[ -z "$have" ]] || { [[ "$want" != "*" ]] && [[ "$have" != "$want" ]]; }; then
        if [[ "$want" == "*" ]]; then missing+=("$package"); else missing+=("$package=$want"); fi
    fi
done

if ((${#missing[@]})); then
    apt-get update -qq
    # Fall back to the distribution's current version if the pinned one has been superseded.
    apt-get install -y -qq --no-install-recommends "${missing[@]}" ||
        apt-get install -y -qq --no-install-recommends "${missing[@]%%=*}"
fi

echo "audit test dependencies ready: $(podman --version), $(busybox | head -1 | cut -d' ' -f1-2)"
