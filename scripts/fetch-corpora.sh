#!/usr/bin/env bash
# Fetches the optional test corpora from their upstream repositories, at the commits the tests were
# written against, into .corpus/ (git-ignored). Tests find them there, or wherever BERTH_CORPUS points.
#
#   scripts/fetch-corpora.sh [DESTINATION]     # default: .corpus beside this script's repository
#
# Layout written (the one the tests read):
#   buildkit-parser/   moby/buildkit frontend/dockerfile/parser/{testfiles,testfiles-negative,testfile-line}
#   wso2/docker-apim/  wso2/docker-apim dockerfiles/ (and LICENSE)
#   wso2/helm-apim/    wso2/helm-apim (the whole chart repository)
#   cosign/            containers/image signature/fixtures/ (cosign signatures in skopeo's dir: form)
set -euo pipefail
cd "$(dirname "$0")/.."
destination="${1:-.corpus}"
mkdir -p "$destination"
destination="$(cd "$destination" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# fetch NAME URL COMMIT: a blobless clone checked out at COMMIT, in $work/NAME.
fetch() {
    echo "fetching $2 at $3" >&2
    git clone --quiet --filter=blob:none --no-checkout "$2" "$work/$1"
    git -C "$work/$1" checkout --quiet "$3"
}

# place SOURCE TARGET: replaces TARGET with a copy of SOURCE.
place() {
    rm -rf "$2"
    mkdir -p "$(dirname "$2")"
    cp -R "$1" "$2"
}

fetch buildkit https://github.com/moby/buildkit.git 73ed682
mkdir -p "$work/out/buildkit-parser"
for part in testfiles testfiles-negative testfile-line; do
    cp -R "$work/buildkit/frontend/dockerfile/parser/$part" "$work/out/buildkit-parser/"
done
cp "$work/buildkit/LICENSE" "$work/out/buildkit-parser/"
place "$work/out/buildkit-parser" "$destination/buildkit-parser"

fetch docker-apim https://github.com/wso2/docker-apim.git f8f1ac7
mkdir -p "$work/out/docker-apim"
cp -R "$work/docker-apim/dockerfiles" "$work/docker-apim/LICENSE" "$work/out/docker-apim/"
place "$work/out/docker-apim" "$destination/wso2/docker-apim"

fetch helm-apim https://github.com/wso2/helm-apim.git 5be7c15
rm -rf "$work/helm-apim/.git"
place "$work/helm-apim" "$destination/wso2/helm-apim"

fetch image https://github.com/containers/image.git 3ad129b
place "$work/image/signature/fixtures" "$destination/cosign"

echo "corpora in $destination (the tests find .corpus/ themselves; elsewhere set BERTH_CORPUS=$destination)" >&2
