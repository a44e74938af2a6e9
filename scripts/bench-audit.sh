#!/usr/bin/env bash
# berth audit over a real engine socket and over saved inspect JSON: COUNT created containers on
# Podman (vfs storage of its own, removed afterwards), one run each way, wall time measured.
# With DOCKER_BENCH=/path/to/docker-bench-security (a checkout; needs the docker CLI) it times
# docker-bench sections 4 and 5 against the same socket and prints the ratio. docker-bench audits
# running containers only (`docker ps`); a scratch copy is changed to `docker ps -a` so that it
# sees the created ones.
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

socket_seconds=""
measure() { # label, command...; the seconds are left in $last_seconds
    local begin end status
    begin=$(date +%s.%N)
    set +e
    "${@:2}" >"$work/out.txt" 2>"$work/err.txt"
    status=$?
    set -e
    end=$(date +%s.%N)
    last_seconds=$(echo "$end - $begin" | bc)
    printf '%-46s %8.3f s  (exit %d, %s findings)\n' "$1" "$(echo "$end - $begin" | bc)" "$status" \
        "$(grep -c '\[audit-' "$work/out.txt" || true)"
}

echo "--- berth audit, $count created containers"
"$BERTH" audit --fail-on none --host "unix://$work/api.sock" --all >/dev/null 2>&1 # warm-up
measure "berth audit --host (socket, --all)" "$BERTH" audit --host "unix://$work/api.sock" --all
socket_seconds="$last_seconds"
measure "berth audit --inspect (one file)" "$BERTH" audit --inspect "$work/inspect.json"
measure "berth audit --inspect ($count files)" "$BERTH" audit --inspect "$work"/split/*.json
berth_socket="$socket_seconds"

# A large dump: the saved inspect array repeated to about 50 MB.
python3 - "$work/inspect.json" "$work/big.json" <<'PY'
import json, sys
items = json.load(open(sys.argv[1]))
out, size = [], 0
one = len(json.dumps(items[0]))
while size < 50_000_000:
    out.extend(items)
    size += one * len(items)
json.dump(out, open(sys.argv[2], "w"))
PY
measure "berth audit --inspect ($(du -m "$work/big.json" | cut -f1) MB, $(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))))" "$work/big.json") containers)" \
    "$BERTH" audit --inspect "$work/big.json"

if [[ -n "${DOCKER_BENCH:-}" ]]; then
    echo "--- docker-bench-security on the same socket (sections 4 and 5)"
    cp -r "$DOCKER_BENCH" "$work/docker-bench"
    sed -i 's/containers=$(docker ps $LABELS|/containers=$(docker ps -a $LABELS|/' \
        "$work/docker-bench/docker-bench-security.sh"
    (
        cd "$work/docker-bench"
        measure "docker-bench -c container_images,container_runtime" \
            env DOCKER_HOST="unix://$work/api.sock" bash docker-bench-security.sh \
            -c container_images,container_runtime -l "$work/docker-bench.log"
        echo "docker-bench warnings: $(grep -c 'WARN' "$work/out.txt" || true)"
        printf 'ratio docker-bench / berth (socket): %.0fx\n' "$(echo "$last_seconds / $berth_socket" | bc -l)"
    )
else
    echo "(docker-bench-security not timed: set DOCKER_BENCH=/path/to/docker-bench-security checkout)"
fi
