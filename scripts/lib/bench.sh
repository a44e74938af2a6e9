# Sourced by the benchmark scripts: stopping what they started, free ports, an S3 endpoint.

# stop_processes PID...: asks each process to stop, waits up to 3 s for each, then kills what is left.
stop_processes() {
    local pid
    for pid in "$@"; do kill "$pid" 2>/dev/null || true; done
    for pid in "$@"; do
        for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
}

# free_ports N: prints N free TCP ports on 127.0.0.1, separated by spaces.
free_ports() {
    python3 - "$1" <<'PY'
import socket, sys
sockets = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in sockets:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in sockets))
PY
}

# start_seaweedfs DIR BUCKET...: starts SeaweedFS's `weed mini` with its data, configuration and log
# under DIR, every port (it opens admin ports too) on 127.0.0.1, then creates the buckets. Exports the
# AWS credential variables its S3 endpoint accepts and sets ENDPOINT (its URL) and WEED_PID; the caller
# stops the process. Returns 1 when a bucket cannot be created.
start_seaweedfs() {
    local dir="$1" bucket ports
    shift
    read -r -a ports <<<"$(free_ports 10)"
    export AWS_ACCESS_KEY_ID=BERTHBENCHKEY AWS_SECRET_ACCESS_KEY=berth-bench-secret AWS_DEFAULT_REGION=us-east-1
    unset AWS_PROFILE AWS_SESSION_TOKEN
    cat >"$dir/s3.json" <<JSON
{"identities":[{"name":"bench","credentials":[{"accessKey":"$AWS_ACCESS_KEY_ID","secretKey":"$AWS_SECRET_ACCESS_KEY"}],"actions":["Admin","Read","Write","List"]}]}
JSON
    mkdir -p "$dir/data"
    weed mini -dir="$dir/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
        -master.port="${ports[0]}" -master.port.grpc="${ports[1]}" -volume.port="${ports[2]}" \
        -volume.port.grpc="${ports[3]}" -filer.port="${ports[4]}" -filer.port.grpc="${ports[5]}" \
        -s3.port="${ports[6]}" -s3.port.grpc="${ports[7]}" -admin.port="${ports[8]}" -admin.port.grpc="${ports[9]}" \
        -webdav=false -admin.ui=false -s3.config="$dir/s3.json" -master.telemetry=false \
        -s3.port.iceberg=0 -s3.port.lance=0 >"$dir/weed.log" 2>&1 &
    WEED_PID=$!
    ENDPOINT="http://127.0.0.1:${ports[6]}"
    for _ in $(seq 1 100); do curl -s -o /dev/null "$ENDPOINT/" && break; sleep 0.1; done
    for bucket in "$@"; do
        for _ in $(seq 1 50); do aws --endpoint-url "$ENDPOINT" s3 mb "s3://$bucket" >/dev/null 2>&1 && break; sleep 0.2; done
        aws --endpoint-url "$ENDPOINT" s3api head-bucket --bucket "$bucket" || {
            echo "could not create bucket $bucket" >&2
            return 1
        }
    done
}
