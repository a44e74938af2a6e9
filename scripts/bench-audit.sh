#!/usr/bin/env bash
# berth audit over a real engine socket and over saved inspect JSON: COUNT created containers on
# Podman (vfs storage of its own, removed afterwards), one run each way, wall time measured.
# With DOCKER_BENCH=/path/to/docker-bench-security.sh (and the docker CLI) it times docker-bench
# against the same socket and prints the ratio.
# Usage: scripts/bench-audit.sh [COUNT]   (needs: .ci/install-audit-deps.sh; BERTH=path skips the build)
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-200}"
work="$(mktemp -d)"
podman=(podman --root "$work/storage" --runroot "$work/run" --storage-driver vfs --events-backend file)
service=""
cleanup() {
    if [[ -n "$service" ]]; then kill "$service" 2>/dev/null || true; wait "$service" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

if [[ -z "${BERTH:-}" ]]; then
    swift build -c release --product berth >/dev/null
    BERTH="$(swift build -c release --show-bin-path)/berth"
fi

mkdir -p "$work/rootfs/bin"
cp "$(command -v busybox)" "$work/rootfs/bin/busybox"
ln -s busybox "$work/rootfs/bin/sh"
tar -C "$work/rootfs" -cf "$work/rootfs.tar" .
"${podman[@]}" import "$work/rootfs.tar" localhost/bench-audit:1 >/dev/null

start=$(date +%s.%N)
for i in $(seq 1 "$count"); do
    if ((i % 2)); then
        "${podman[@]}" create --name "c$i" --privileged --pid=host -v /:/host -p "$((20000 + i)):80" \
            localhost/bench-audit:1 /bin/sh >/dev/null
    else
        "${podman[@]}" create --name "c$i" --user 10001 --read-only --cap-drop ALL \
            --security-opt no-new-privileges --pids-limit 100 --memory 512m --cpus 1 \
            localhost/bench-audit:1 /bin/sh >/dev/null
    fi
done
echo "created $count containers in $(echo "$(date +%s.%N) - $start" | bc) s"

"${podman[@]}" system service --time=0 "unix://$work/api.sock" >/dev/null 2>&1 &
service=$!
for _ in $(seq 1 100); do [[ -S "$work/api.sock" ]] && break; sleep 0.1; done

"${podman[@]}" inspect $(seq -f 'c%g' 1 "$count") >"$work/inspect.json"
mkdir -p "$work/split"
for i in $(seq 1 "$count"); do "${podman[@]}" inspect "c$i" >"$work/split/c$i.json"; done

measure() { # label, command...
    local begin end status
    begin=$(date +%s.%N)
    set +e
    "${@:2}" >"$work/out.txt" 2>"$work/err.txt"
    status=$?
    set -e
    end=$(date +%s.%N)
    printf '%-46s %8.3f s  (exit %d, %s findings)\n' "$1" "$(echo "$end - $begin" | bc)" "$status" \
        "$(grep -c '\[audit-' "$work/out.txt" || true)"
}

echo "--- berth audit, $count created containers"
"$BERTH" audit --fail-on none --host "unix://$work/api.sock" --all >/dev/null 2>&1 # warm-up
measure "berth audit --host (socket, --all)" "$BERTH" audit --host "unix://$work/api.sock" --all
measure "berth audit --inspect (one file)" "$BERTH" audit --inspect "$work/inspect.json"
measure "berth audit --inspect ($count files)" "$BERTH" audit --inspect "$work"/split/*.json

if [[ -n "${DOCKER_BENCH:-}" ]]; then
    echo "--- docker-bench-security on the same socket (sections 4 and 5)"
    measure "docker-bench -c container_images,container_runtime" \
        env DOCKER_HOST="unix://$work/api.sock" bash "$DOCKER_BENCH" -c container_images,container_runtime
else
    echo "(docker-bench-security not timed: set DOCKER_BENCH=/path/to/docker-bench-security.sh)"
fi
