#!/usr/bin/env bash
# Installs the peers the signing tests check Berth against: openssl (reads Berth's encrypted keys and
# verifies its signatures), skopeo (copies signed images to its dir: layout) and Python's
# cryptography (an independent check of cosign's signature format). Idempotent; versions pinned.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive

missing=()
for package in openssl skopeo; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys, importlib.metadata as m; sys.exit(0 if m.version("cryptography") == "48.0.0" else 1)' 2>/dev/null; then
    "$PYTHON" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore "cryptography==48.0.0"
fi

echo "signing test dependencies ready: $(openssl version), $(skopeo --version), cryptography $("$PYTHON" -c 'import importlib.metadata as m; print(m.version("cryptography"))')"
