#!/usr/bin/env bash
# Scan on push under load: 50 concurrent skopeo pushes of distinct images (a Debian 12 root file
# system whose dpkg status lists a vulnerable libc6, plus a distinct payload) into `berth registry
# serve` with scanning on, while a client keeps pulling an already pushed image.
# Reports: pushes that succeeded, images scanned (records completed) and the time until the last
# scan finished; the pull latency during the pushes and scans (p50, p99, max, count, failures); the
# server's peak resident memory (VmHWM).
# Usage: scripts/bench-registry-scan.sh [BERTH_BINARY] [IMAGES] [WORKERS]
#   (default: .build/debug/berth, 50 images, 2 scan workers; BENCH_PAYLOAD_MIB per image, default 4;
#   BENCH_SCAN=0 runs the same load with scanning off, the baseline for the pull latency)
# Needs skopeo, curl and python3.
set -euo pipefail

cd "$(dirname "$0")/.."
BERTH="${1:-.build/debug/berth}"
IMAGES="${2:-50}"
WORKERS="${3:-2}"
PAYLOAD_MIB="${BENCH_PAYLOAD_MIB:-4}"
PORT="${BENCH_PORT:-5067}"
SCAN="${BENCH_SCAN:-1}"
WORK="$(mktemp -d /tmp/berth-scan-bench.XXXXXX)"
SERVER_PID=""

cleanup() {
    [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

[[ -x "$BERTH" ]] || { echo "build berth first: swift build --product berth" >&2; exit 2; }
command -v skopeo >/dev/null || { echo "skopeo is missing" >&2; exit 2; }
echo "binary: $BERTH"

# The vulnerability database, imported as berth db import does.
mkdir -p "$WORK/osv"
cat >"$WORK/osv/CVE-2099-1001.json" <<'JSON'
{
  "id": "CVE-2099-1001",
  "summary": "glibc - test vulnerability",
  "modified": "2026-01-01T00:00:00Z",
  "affected": [
    {
      "package": {"ecosystem": "Debian:12", "name": "glibc"},
      "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.36-9+deb12u15"}]}],
      "ecosystem_specific": {"urgency": "high"}
    }
  ]
}
JSON
"$BERTH" db import --db "$WORK/vulnerabilities.sqlite" "$WORK/osv" >/dev/null

cat >"$WORK/registry.yaml" <<YAML
address: 127.0.0.1:$PORT
root: $WORK/root
YAML
if [[ "$SCAN" != 0 ]]; then
    cat >>"$WORK/registry.yaml" <<YAML
scanning:
  database: $WORK/vulnerabilities.sqlite
  workers: $WORKERS
  queueCapacity: 1000
YAML
fi

python3 - "$WORK" "$IMAGES" "$PAYLOAD_MIB" <<'PY'
import hashlib, io, json, os, sys, tarfile

work, count, mib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
files = {
    "etc/os-release": b'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n',
    "var/lib/dpkg/status": b"Package: libc6\nStatus: install ok installed\nArchitecture: amd64\n"
    b"Source: glibc\nVersion: 2.36-9+deb12u14\nDescription: test\n\n",
}

def put(layout, data):
    digest = hashlib.sha256(data).hexdigest()
    with open(os.path.join(layout, "blobs", "sha256", digest), "wb") as handle:
        handle.write(data)
    return {"digest": "sha256:" + digest, "size": len(data)}

for number in range(count + 1):
    layout = os.path.join(work, "layouts", str(number))
    os.makedirs(os.path.join(layout, "blobs", "sha256"))
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as tar:
        content = dict(files)
        content["payload"] = os.urandom(mib << 20)
        for name, data in sorted(content.items()):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    layer = buffer.getvalue()
    config = json.dumps({"architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(layer).hexdigest()]}}).encode()
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": dict(put(layout, config), mediaType="application/vnd.oci.image.config.v1+json"),
        "layers": [dict(put(layout, layer), mediaType="application/vnd.oci.image.layer.v1.tar")]}
    data = json.dumps(manifest).encode()
    entry = dict(put(layout, data), mediaType=manifest["mediaType"],
        annotations={"org.opencontainers.image.ref.name": "img"})
    with open(os.path.join(layout, "index.json"), "w") as handle:
        json.dump({"schemaVersion": 2, "manifests": [entry]}, handle)
    with open(os.path.join(layout, "oci-layout"), "w") as handle:
        json.dump({"imageLayoutVersion": "1.0.0"}, handle)
PY

"$BERTH" registry serve --config "$WORK/registry.yaml" --log-level error >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 400); do
    curl -sf -o /dev/null "http://127.0.0.1:$PORT/v2/" && break
    sleep 0.05
done

# The image the pull client reads during the load: layout 0.
skopeo copy -q --dest-tls-verify=false "oci:$WORK/layouts/0:img" "docker://127.0.0.1:$PORT/bench/base:v1"

python3 - "$WORK" "$IMAGES" "$PORT" "$SERVER_PID" "$SCAN" <<'PY'
import glob, http.client, json, os, subprocess, sys, threading, time

work, count, port, pid, scan = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5] != "0"
accept = "application/vnd.oci.image.manifest.v1+json"
latencies, failures, stop = [], [0], threading.Event()

def puller():
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while not stop.is_set():
        start = time.monotonic()
        try:
            connection.request("GET", "/v2/bench/base/manifests/v1", headers={"Accept": accept})
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                failures[0] += 1
            latencies.append(time.monotonic() - start)
        except Exception:
            failures[0] += 1
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        time.sleep(0.01)

def completed():
    done = 0
    for path in glob.glob(os.path.join(work, "root", "scans", "sha256", "*.json")):
        try:
            with open(path) as handle:
                if json.load(handle).get("status") == "completed":
                    done += 1
        except (OSError, ValueError):
            pass
    return done

def peak_kib():
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0

thread = threading.Thread(target=puller)
thread.start()
started = time.monotonic()
pushes = [subprocess.Popen(["skopeo", "copy", "-q", "--dest-tls-verify=false", f"oci:{work}/layouts/{n}:img",
    f"docker://127.0.0.1:{port}/bench/image{n}:v1"], stderr=subprocess.PIPE) for n in range(1, count + 1)]
results = [p.wait() for p in pushes]
pushed = time.monotonic() - started
deadline = time.monotonic() + 1800
while scan and completed() < count + 1 and time.monotonic() < deadline:
    time.sleep(0.2)
scanned = time.monotonic() - started
stop.set()
thread.join()
ordered = sorted(latencies)
def quantile(q):
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")
print(f"pushes: {results.count(0)}/{count} succeeded, all done after {pushed:.1f} s")
if scan:
    print(f"scanned: {completed() - 1}/{count} images completed (plus the base image), last after {scanned:.1f} s")
else:
    print("scanning off")
print(f"pulls during the load: {len(ordered)} answered, {failures[0]} failed; "
      f"p50 {quantile(0.50):.1f} ms, p99 {quantile(0.99):.1f} ms, max {quantile(1.0):.1f} ms")
print(f"server peak resident memory (VmHWM): {peak_kib() / 1024:.1f} MiB")
PY
