#!/bin/sh
# Installs what the Kubernetes checks need in CI: kubernetes-validate (schema validation of the
# test fixtures and rule examples). Idempotent: does nothing when the pinned version is present.
set -eu
VERSION=1.37.0
if command -v kubernetes-validate >/dev/null 2>&1 && [ "$(kubernetes-validate --version 2>/dev/null)" = "$VERSION" ]; then
    exit 0
fi
python3 -m pip install --quiet "kubernetes-validate==$VERSION"
