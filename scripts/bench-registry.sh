#!/usr/bin/env bash
# Benchmarks Berth's registry against Debian's docker-registry (CNCF distribution 2.8.2) on the same
# machine, over 127.0.0.1 only:
#   1. skopeo push and pull of a 100 MiB layer (3 runs each, fresh storage per push)
#   2. 1,000 small manifest PUTs then 1,000 GETs on one keep-alive connection (p50/p99 latency)
#   3. 50 concurrent pulls of the 100 MiB blob, median of RUNS (aggregate throughput, and the server's CPU time:
#      with curl on the same cores the wall time is partly the client's)
#   4. Berth's peak resident memory (VmHWM) over the whole run, to show streaming without buffering
# Usage: scripts/bench-registry.sh [BERTH_BINARY]   (default: release build under .build-registry)
# Needs skopeo, docker-registry, curl, python3 with requests (.ci/install-registry-deps.sh).
set -euo pipefail

cd "$(dirname "$0")/.."
BERTH="${1:-.build-registry/release/berth}"
MIB="${BENCH_MIB:-100}"
RUNS="${BENCH_RUNS:-3}"
BERTH_PORT=5057
DIST_PORT=5056
WORK="$(mktemp -d /tmp/berth-bench.XXXXXX)"
PIDS=()

cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

[[ -x "$BERTH" ]] || { echo "build berth first: swift build -c release --scratch-path .build-registry --product berth" >&2; exit 2; }
command -v docker-registry >/dev/null || { echo "docker-registry is missing (.ci/install-registry-deps.sh)" >&2; exit 2; }

wait_port() {
    for _ in $(seq 1 200); do
        curl -sf -o /dev/null "http://127.0.0.1:$1/v2/" && return 0
        sleep 0.05
    done
    echo "registry on port $1 did not start" >&2
    exit 1
}

BERTH_PID=""
start_berth() {
    rm -rf "$WORK/berth-root"
    "$BERTH" registry serve --root "$WORK/berth-root" --addr "127.0.0.1:$BERTH_PORT" --log-level error >/dev/null 2>&1 &
    BERTH_PID=$!
    PIDS+=("$BERTH_PID")
    wait_port "$BERTH_PORT"
}

DIST_PID=""
start_distribution() {
    rm -rf "$WORK/dist-root"
    cat >"$WORK/dist.yml" <<YAML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  cache:
    blobdescriptor: inmemory
  filesystem:
    rootdirectory: $WORK/dist-root
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$DIST_PORT
YAML
    docker-registry serve "$WORK/dist.yml" >/dev/null 2>&1 &
    DIST_PID=$!
    PIDS+=("$DIST_PID")
    wait_port "$DIST_PORT"
}

stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

peak_rss_kib() { awk '/VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

now() { date +%s.%N; }

# User plus system CPU time of a process so far, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

echo "making a ${MIB} MiB single-layer OCI layout"
python3 scripts/make-oci-layout.py "$WORK/layout" bench "$MIB" >/dev/null
LAYER_DIGEST="$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1]+"/index.json"))["manifests"][0]["digest"].split(":")[1]; print(json.load(open(sys.argv[1]+"/blobs/sha256/"+m))["layers"][0]["digest"])' "$WORK/layout")"
LAYER_BYTES="$(stat -c %s "$WORK/layout/blobs/sha256/${LAYER_DIGEST#sha256:}")"

declare -A RESULT

bench_registry() {
    local name=$1 port=$2 start=$3 pid_var=$4
    local push_times=() pull_times=()
    for run in $(seq 1 "$RUNS"); do
        $start
        local pid=${!pid_var}
        rm -f /var/lib/containers/cache/blob-info-cache-v1.boltdb "$HOME/.local/share/containers/cache/blob-info-cache-v1.boltdb" 2>/dev/null || true
        local t0; t0=$(now)
        skopeo copy -q --preserve-digests --dest-tls-verify=false "oci:$WORK/layout:bench" "docker://127.0.0.1:$port/bench/rand:v1"
        local t1; t1=$(now)
        push_times+=("$(echo "$t1 - $t0" | bc)")
        rm -rf "$WORK/pulled"
        t0=$(now)
        skopeo copy -q --preserve-digests --src-tls-verify=false "docker://127.0.0.1:$port/bench/rand:v1" "oci:$WORK/pulled:v1"
        t1=$(now)
        pull_times+=("$(echo "$t1 - $t0" | bc)")
        cmp -s "$WORK/pulled/blobs/sha256/${LAYER_DIGEST#sha256:}" "$WORK/layout/blobs/sha256/${LAYER_DIGEST#sha256:}" || { echo "$name: pulled layer differs" >&2; exit 1; }
        if [[ $run -lt $RUNS ]]; then stop "$pid"; fi
    done
    RESULT[$name.push]="$(printf '%s\n' "${push_times[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p")"
    RESULT[$name.pull]="$(printf '%s\n' "${pull_times[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p")"

    # 1,000 manifest PUTs and GETs on a keep-alive session.
    RESULT[$name.manifests]="$(python3 - "$port" <<'PY'
import hashlib, json, statistics, sys, time, requests
port = sys.argv[1]
base = f"http://127.0.0.1:{port}/v2/bench/small"
s = requests.Session()
config = b'{"architecture":"amd64","os":"linux"}'
cd = "sha256:" + hashlib.sha256(config).hexdigest()
r = s.post(f"{base}/blobs/uploads/")
loc = r.headers["Location"]
loc = loc if loc.startswith("http") else f"http://127.0.0.1:{port}{loc}"
sep = "&" if "?" in loc else "?"
assert s.put(f"{loc}{sep}digest={cd}", data=config, headers={"Content-Type": "application/octet-stream"}).status_code == 201
put, get = [], []
for i in range(1000):
    m = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": len(config)},
                    "layers": [], "annotations": {"i": str(i)}}).encode()
    t = time.perf_counter()
    r = s.put(f"{base}/manifests/t{i}", data=m, headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
    put.append(time.perf_counter() - t)
    assert r.status_code == 201, r.text
for i in range(1000):
    t = time.perf_counter()
    r = s.get(f"{base}/manifests/t{i}", headers={"Accept": "application/vnd.oci.image.manifest.v1+json"})
    get.append(time.perf_counter() - t)
    assert r.status_code == 200
q = lambda xs, p: sorted(xs)[int(len(xs) * p) - 1] * 1000
print(f"{q(put,.5):.2f} {q(put,.99):.2f} {q(get,.5):.2f} {q(get,.99):.2f} {sum(put):.2f} {sum(get):.2f}")
PY
)"

    # 50 concurrent pulls of the big blob.
    local urls="$WORK/urls-$name"
    : >"$urls"
    for i in $(seq 1 50); do echo "url = \"http://127.0.0.1:$port/v2/bench/rand/blobs/$LAYER_DIGEST\"" >>"$urls"; echo "output = \"/dev/null\"" >>"$urls"; done
    local wall_times=() cpu_times=()
    for run in $(seq 1 "$RUNS"); do
        local cpu0; cpu0=$(cpu_ticks "${!pid_var}")
        local t0; t0=$(now)
        curl -s --parallel --parallel-max 50 -K "$urls" 2>/dev/null
        local t1; t1=$(now)
        wall_times+=("$(echo "$t1 - $t0" | bc)")
        cpu_times+=("$(echo "scale=2; ($(cpu_ticks "${!pid_var}") - $cpu0) / $(getconf CLK_TCK)" | bc)")
    done
    RESULT[$name.concurrent]="$(printf '%s\n' "${wall_times[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p")"
    RESULT[$name.concurrentcpu]="$(printf '%s\n' "${cpu_times[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p")"
    RESULT[$name.rss]="$(peak_rss_kib "${!pid_var}")"
    stop "${!pid_var}"
}

echo "benchmarking distribution 2.8.2 on :$DIST_PORT"
bench_registry distribution "$DIST_PORT" start_distribution DIST_PID
echo "benchmarking berth on :$BERTH_PORT"
bench_registry berth "$BERTH_PORT" start_berth BERTH_PID

mb() { echo "scale=1; $LAYER_BYTES / 1048576 / $1" | bc; }
ratio() { echo "scale=2; $1 / $2" | bc; }
read -r dput50 dput99 dget50 dget99 _ _ <<<"${RESULT[distribution.manifests]}"
read -r bput50 bput99 bget50 bget99 _ _ <<<"${RESULT[berth.manifests]}"
agg() { echo "scale=1; 50 * $LAYER_BYTES / 1048576 / $1" | bc; }

printf '\n%-38s %14s %14s %18s\n' "measure ($MIB MiB layer, median of $RUNS)" "distribution" "berth" "berth/distribution"
printf '%-38s %10s MiB/s %10s MiB/s %18s\n' "skopeo push throughput" "$(mb "${RESULT[distribution.push]}")" "$(mb "${RESULT[berth.push]}")" "$(ratio "${RESULT[distribution.push]}" "${RESULT[berth.push]}")"
printf '%-38s %10s MiB/s %10s MiB/s %18s\n' "skopeo pull throughput" "$(mb "${RESULT[distribution.pull]}")" "$(mb "${RESULT[berth.pull]}")" "$(ratio "${RESULT[distribution.pull]}" "${RESULT[berth.pull]}")"
printf '%-38s %13s ms %13s ms %18s\n' "manifest PUT p50" "$dput50" "$bput50" "$(ratio "$bput50" "$dput50")"
printf '%-38s %13s ms %13s ms %18s\n' "manifest PUT p99" "$dput99" "$bput99" "$(ratio "$bput99" "$dput99")"
printf '%-38s %13s ms %13s ms %18s\n' "manifest GET p50" "$dget50" "$bget50" "$(ratio "$bget50" "$dget50")"
printf '%-38s %13s ms %13s ms %18s\n' "manifest GET p99" "$dget99" "$bget99" "$(ratio "$bget99" "$dget99")"
printf '%-38s %10s MiB/s %10s MiB/s %18s\n' "50 concurrent blob pulls (aggregate)" "$(agg "${RESULT[distribution.concurrent]}")" "$(agg "${RESULT[berth.concurrent]}")" "$(ratio "${RESULT[distribution.concurrent]}" "${RESULT[berth.concurrent]}")"
printf '%-38s %14s s %14s s %18s\n' "  server CPU time for those pulls" "${RESULT[distribution.concurrentcpu]}" "${RESULT[berth.concurrentcpu]}" "$(ratio "${RESULT[berth.concurrentcpu]}" "${RESULT[distribution.concurrentcpu]}")"
printf '%-38s %12s KiB %12s KiB\n' "peak RSS of the server (VmHWM)" "${RESULT[distribution.rss]}" "${RESULT[berth.rss]}"
echo "(throughput ratios above 1 and latency ratios below 1 favour berth)"
