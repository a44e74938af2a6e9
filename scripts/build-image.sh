#!/usr/bin/env bash
# Builds Berth's image from the committed Dockerfile with buildah, on a base made from the host's
# own C libraries (what the binary links, per ldd) when no registry is reachable, and prints the
# image's size, its layers and `berth --version` run from its root file system as its user.
#
# Usage: scripts/build-image.sh [BINARY] [OUTPUT.tar]
#   BINARY defaults to .build/release/berth, built with:
#     swift build -c release --static-swift-stdlib --product berth
#   OUTPUT.tar, when given, receives the image as an OCI archive (load with podman/skopeo).
# Needs buildah; running --version needs root (chroot and a /proc mount), as a container runtime would.
set -euo pipefail
cd "$(dirname "$0")/.."
binary="${1:-.build/release/berth}"
output="${2:-}"
[[ -x "$binary" ]] || { echo "no binary at $binary: swift build -c release --static-swift-stdlib --product berth" >&2; exit 2; }
command -v buildah >/dev/null || { echo "buildah not found (apt-get install buildah)" >&2; exit 2; }
work="$(mktemp -d)"
storage=(--storage-driver vfs --root "$work/storage" --runroot "$work/run")
cleanup() {
    [[ -n "${image_root:-}" ]] && umount "$image_root/proc" 2>/dev/null || true
    buildah "${storage[@]}" rm --all >/dev/null 2>&1 || true
    buildah "${storage[@]}" rmi --all --force >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/context"
cp Dockerfile "$work/context/Dockerfile"
cp "$binary" "$work/context/berth"
# Debug information is half of a release binary; the image ships without it.
command -v strip >/dev/null && strip "$work/context/berth"

base="$(buildah "${storage[@]}" from scratch)"
root="$(buildah "${storage[@]}" mount "$base")"
ldd "$binary" | grep -o '/[^ ]*' | while read -r library; do
    for path in "$library" "$(readlink -f "$library")"; do
        mkdir -p "$root$(dirname "$path")"
        [[ -e "$root$path" ]] || cp "$(readlink -f "$library")" "$root$path"
    done
done
mkdir -p "$root/etc" "$root/tmp"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' >"$root/etc/passwd"
buildah "${storage[@]}" umount "$base" >/dev/null
buildah "${storage[@]}" commit --quiet "$base" localhost/berth-base:local >/dev/null

revision="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
version="$("$binary" --version)"
buildah "${storage[@]}" bud --quiet --isolation chroot --format oci \
    --build-arg BASE=localhost/berth-base:local --build-arg VERSION="$version" --build-arg REVISION="$revision" \
    --build-arg CREATED="$(date -u +%Y-%m-%dT%H:%M:%SZ)" -t "localhost/berth:$version" "$work/context" >/dev/null

echo "image localhost/berth:$version"
echo "  size $(buildah "${storage[@]}" images --format '{{.Size}}' "localhost/berth:$version") (a base of the host libraries ldd lists, plus the stripped binary)"
echo "  binary $(du -h "$binary" | cut -f1) ($binary), $(du -h "$work/context/berth" | cut -f1) stripped; linked libraries:"
ldd "$binary" | sed 's/^/    /'
buildah "${storage[@]}" inspect --type image --format '  user {{.OCIv1.Config.User}}, entrypoint {{.OCIv1.Config.Entrypoint}}, layers {{len .OCIv1.RootFS.DiffIDs}}' "localhost/berth:$version"
echo

container="$(buildah "${storage[@]}" from "localhost/berth:$version")"
image_root="$(buildah "${storage[@]}" mount "$container")"
mkdir -p "$image_root/proc"
if mount -t proc proc "$image_root/proc" 2>/dev/null; then
    echo "  berth --version in the image, as 65534: $(chroot --userspec=65534:65534 "$image_root" /usr/local/bin/berth --version)"
else
    echo "  (not root: --version not run from the image)"
fi
if [[ -n "$output" ]]; then
    buildah "${storage[@]}" push --quiet "localhost/berth:$version" "oci-archive:$output:berth:$version"
    echo "  written to $output"
fi
