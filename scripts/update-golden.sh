#!/usr/bin/env bash
# Rewrites the golden files of `berth render` (Tests/RenderTests/Golden/<pattern>/) from the current
# templates. Review the diff with `git diff Tests/RenderTests/Golden` before committing it.
set -euo pipefail
cd "$(dirname "$0")/.."
BERTH_UPDATE_GOLDEN=1 swift test --filter GoldenTests
git status --short Tests/RenderTests/Golden
