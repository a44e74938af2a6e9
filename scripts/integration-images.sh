#!/usr/bin/env bash
# Builds every image `berth render` generates with buildah (vfs storage, chroot isolation) against a
# base image made locally with debootstrap and stand-in product zips, then checks each built image's
# configuration: numeric non-root user, exactly the component's ports, OCI labels, a health check.
# Needs root, buildah, debootstrap and network access to the Debian mirror. Takes several minutes.
# Usage: scripts/integration-images.sh [BERTH_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
berth="${1:-$(swift build -c release --show-bin-path)/berth}"
[ -x "$berth" ] || swift build -c release --product berth >/dev/null
work="$(mktemp -d)"
storage=(--storage-driver vfs --root "$work/storage" --runroot "$work/run")
trap 'buildah "${storage[@]}" rm --all >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

echo "--- base image: debootstrap bookworm (minbase)"
debootstrap --variant=minbase bookworm "$work/rootfs" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log"; exit 1; }
container=$(buildah "${storage[@]}" from scratch)
mountpoint=$(buildah "${storage[@]}" mount "$container")
cp -a "$work/rootfs/." "$mountpoint/"
buildah "${storage[@]}" umount "$container" >/dev/null
buildah "${storage[@]}" commit --quiet "$container" localhost/berth-base:bookworm >/dev/null
buildah "${storage[@]}" rm "$container" >/dev/null

echo "--- render apim-is-km on the local base"
cat >"$work/berth.yaml" <<SPEC
apiVersion: berth.dev/v1alpha1
kind: Deployment
metadata: {name: wso2}
spec:
  pattern: apim-is-km
  images: {registry: localhost/wso2, os: ubuntu, base: "localhost/berth-base:bookworm"}
SPEC
"$berth" render --spec "$work/berth.yaml" --out "$work/deploy"

# The ports each component must expose, written here from WSO2's port assignments (servlet 9443/9763
# on every profile; gateway API traffic on HTTPS 8243 only; traffic manager and control plane event
# receivers 9611/9711 and the JMS broker 5672; Identity Server's HTTPS 9443), not read from the
# rendered Dockerfile, so a generator that EXPOSEs the wrong ports fails here.
declare -A expected_ports=(
    [control-plane]="5672 9443 9611 9711 9763 "
    [traffic-manager]="5672 9443 9611 9711 9763 "
    [gateway]="8243 9443 9763 "
    [identity-server]="9443 "
)

status=0
printf '%-16s %-8s %-34s %-7s %-6s %s\n' component user ports labels health result
for dockerfile in "$work"/deploy/images/*/Dockerfile; do
    dir=$(dirname "$dockerfile")
    component=$(basename "$dir")
    home=$(sed -n 's/^    WSO2_SERVER_HOME=\(.*\)$/\1/p' "$dockerfile")
    product=$(basename "$home")
    script=$(sed -n 's/.*test -x .*\/bin\/\([^;]*\);.*/\1/p' "$dockerfile")
    expected="${expected_ports[$component]:-unknown component}"
    # A stand-in product zip: the start script the entrypoint execs.
    mkdir -p "$work/zip/$product/bin"
    printf '#!/bin/sh\necho "%s started"\n' "$product" >"$work/zip/$product/bin/$script"
    chmod +x "$work/zip/$product/bin/$script"
    (cd "$work/zip" && python3 -m zipfile -c "$dir/$product.zip" "$product" >/dev/null)
    image="localhost/wso2/$product:test"
    if ! buildah "${storage[@]}" bud --quiet --format docker --isolation chroot -t "$image" "$dir" >"$work/$component.build.log" 2>&1; then
        echo "$component: build failed"; tail -20 "$work/$component.build.log"; status=1; continue
    fi
    config=$(buildah "${storage[@]}" inspect --type image "$image")
    user=$(jq -r '.Docker.config.User' <<<"$config")
    ports=$(jq -r '.Docker.config.ExposedPorts | keys[] | split("/")[0]' <<<"$config" | sort -n | tr '\n' ' ')
    labels=$(jq -r '.Docker.config.Labels | [has("org.opencontainers.image.source"), has("org.opencontainers.image.version")] | all' <<<"$config")
    health=$(jq -r '.Docker.config.Healthcheck.Test | length > 1' <<<"$config")
    result=ok
    [[ "$user" =~ ^[0-9]+$ && "$user" != 0 ]] || result=FAIL
    [ "$ports" = "$expected" ] || result=FAIL
    [ "$labels" = true ] && [ "$health" = true ] || result=FAIL
    [ "$result" = ok ] || status=1
    printf '%-16s %-8s %-34s %-7s %-6s %s\n' "$component" "$user" "$ports" "$labels" "$health" "$result"
done
exit $status
