#!/usr/bin/env bash
# Benchmarks what `berth scan` costs beyond cataloguing, the layer cache, and the memory of
# `berth db import` on one large JSON array, on the image and the 100,000-record database that
# scripts/bench-sbom.sh builds (it is run first, once, when they are missing).
#
# Figures, each the median of RUNS runs (default 11) with the fastest and slowest beside it:
#   1. `berth scan sbom:FILE`: the whole scan of an SBOM written before (process start, database
#      open, matching against 100,000 records, output): the cost a scan adds over an SBOM.
#   2. `berth scan IMAGE` minus `berth sbom IMAGE`, run in alternation so load changes hit both;
#      the median of the per-pair differences. Layer cache off in both.
#   3. `berth --version`: process start alone, the floor under (1).
#   4. A peer scanner over the same SBOM when one is installed (grype over syft's SBOM, trivy
#      over the CycloneDX one), with the ratio; none is, on a machine without them, and it says so.
#   5. `berth sbom IMAGE` with an empty layer cache, then with the cache filled.
#   6. `berth db import` of the 100,000 records as one JSON array: wall clock and peak RSS
#      (/usr/bin/time -v), and of the same records as a zip of one file per record.
#
# Usage: scripts/bench-scan.sh [BERTH] [WORKDIR]
#   BERTH defaults to .build-release/release/berth, else .build/release/berth, else .build/debug/berth.
#   WORKDIR defaults to bench-sbom.sh's (${TMPDIR:-/tmp}/berth-bench-sbom).
set -euo pipefail
cd "$(dirname "$0")/.."

berth="${1:-}"
if [[ -z "$berth" ]]; then
    for candidate in .build-release/release/berth .build/release/berth .build/debug/berth; do
        if [[ -x "$candidate" ]]; then berth="$candidate"; break; fi
    done
fi
[[ -x "$berth" ]] || { echo "build berth first: swift build -c release --product berth" >&2; exit 2; }
berth="$(readlink -f "$berth")"
work="${2:-${TMPDIR:-/tmp}/berth-bench-sbom}"
runs="${RUNS:-11}"
[[ -x /usr/bin/time ]] || { echo "GNU time is missing: apt-get install time" >&2; exit 2; }

if [[ ! -f "$work/layout/index.json" || ! -f "$work/vulnerabilities.sqlite" ]]; then
    echo "--- building the image and the database with scripts/bench-sbom.sh (one run)"
    RUNS=1 scripts/bench-sbom.sh "$berth" "$work"
fi
layout="$work/layout"
db="$work/vulnerabilities.sqlite"
image="oci:$layout:bench"
echo "berth: $berth"
echo "image: $(du -sh "$layout" | cut -f1) compressed; database: $("$berth" db status --db "$db" | tail -n +2 | tr '\n' ' ')"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
"$berth" sbom "$image" --format json --quiet --no-layer-cache --output "$work/sbom.json"

# time_runs LABEL RUNS COMMAND...: prints "LABEL|median|min|max|peak_rss_kib" (seconds).
time_runs() {
    python3 - "$@" <<'PY'
import statistics, subprocess, sys, tempfile, time
label, runs, command = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
walls, peaks = [], []
with tempfile.NamedTemporaryFile() as report:
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", report.name, *command],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        walls.append(time.perf_counter() - start)
        if done.returncode not in (0, 1):
            sys.exit(f"{label}: exit {done.returncode}: {done.stderr.decode()[-500:]}")
        peaks.append(int(open(report.name).read().split()[-1]))
print(f"{label}|{statistics.median(walls):.3f}|{min(walls):.3f}|{max(walls):.3f}|{max(peaks)}")
PY
}
show() { # LINE: prints it as a table row
    IFS='|' read -r label median fastest slowest rss <<<"$1"
    printf '%-34s median %7.3f s  (min %.3f, max %.3f)  peak RSS %6d KiB\n' "$label" "$median" "$fastest" "$slowest" "$rss"
}

echo "--- 1. berth scan over the SBOM ($runs runs)"
scan_sbom="$(time_runs "scan sbom:FILE" "$runs" "$berth" scan "sbom:$work/sbom.json" --db "$db" --format json --quiet)"
show "$scan_sbom"
"$berth" scan "sbom:$work/sbom.json" --db "$db" --format json --quiet --output "$work/scan-sbom.json" || true
echo "findings: $(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$work/scan-sbom.json")"

echo "--- 2. berth scan IMAGE minus berth sbom IMAGE, alternating ($runs pairs)"
python3 - "$runs" "$berth" "$image" "$db" <<'PY'
import statistics, subprocess, sys, time
runs, berth, image, db = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
def wall(arguments):
    start = time.perf_counter()
    subprocess.run([berth, *arguments, "--quiet", "--no-layer-cache", "--format", "json"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start
sboms, scans, differences = [], [], []
for _ in range(runs):
    sbom = wall(["sbom", image])
    scan = wall(["scan", image, "--db", db])
    sboms.append(sbom); scans.append(scan); differences.append(scan - sbom)
quartiles = statistics.quantiles(differences, n=4)
print(f"sbom IMAGE median {statistics.median(sboms):.3f} s, scan IMAGE median {statistics.median(scans):.3f} s")
print(f"scan - sbom per pair: median {statistics.median(differences) * 1000:.0f} ms "
      f"(quartiles {quartiles[0] * 1000:.0f} to {quartiles[2] * 1000:.0f} ms)")
PY

echo "--- 3. process start ($runs runs)"
start_line="$(time_runs "berth --version" "$runs" "$berth" --version)"
show "$start_line"

echo "--- 4. peer scanners over the same SBOM"
IFS='|' read -r _ scan_median _ _ _ <<<"$scan_sbom"
peer=0
if command -v grype >/dev/null; then
    peer=1
    export SYFT_CHECK_FOR_APP_UPDATE=false GRYPE_CHECK_FOR_APP_UPDATE=false GRYPE_DB_AUTO_UPDATE=false
    syft scan "oci-dir:$layout" -o "syft-json=$work/sbom-syft.json" -q
    grype_line="$(time_runs "grype sbom:FILE" "$runs" grype "sbom:$work/sbom-syft.json" -o json -q)"
    show "$grype_line"
    IFS='|' read -r _ grype_median _ _ _ <<<"$grype_line"
    python3 -c 'import sys; print(f"grype / berth: {float(sys.argv[2]) / float(sys.argv[1]):.1f}x")' "$scan_median" "$grype_median"
fi
if command -v trivy >/dev/null; then
    peer=1
    "$berth" sbom "$image" --format cyclonedx-json --quiet --output "$work/sbom.cdx.json"
    trivy_line="$(time_runs "trivy sbom FILE" "$runs" trivy sbom --offline-scan --skip-db-update -q -f json "$work/sbom.cdx.json")"
    show "$trivy_line"
    IFS='|' read -r _ trivy_median _ _ _ <<<"$trivy_line"
    python3 -c 'import sys; print(f"trivy / berth: {float(sys.argv[2]) / float(sys.argv[1]):.1f}x")' "$scan_median" "$trivy_median"
fi
[[ "$peer" == 1 ]] || echo "no peer scanner installed (grype, trivy): no ratio; syft catalogues only (see bench-sbom.sh)"

echo "--- 5. layer cache: berth sbom IMAGE cold, then warm (3 runs each)"
cache="$work/layer-cache"
cold_runs=()
for _ in 1 2 3; do
    rm -rf "$cache"
    cold_runs+=("$(time_runs "sbom, empty layer cache" 1 "$berth" sbom "$image" --format json --quiet --layer-cache "$cache")")
done
printf '%s\n' "${cold_runs[@]}" | sort -t'|' -k2 -n | sed -n 2p | { read -r line; show "$line"; }
show "$(time_runs "sbom, layer cache filled" 3 "$berth" sbom "$image" --format json --quiet --layer-cache "$cache")"
"$berth" sbom "$image" --format json --quiet --layer-cache "$cache" --output "$work/sbom-cached.json"
cmp -s "$work/sbom.json" "$work/sbom-cached.json" && echo "cached SBOM: identical bytes" || echo "cached SBOM: DIFFERS"

echo "--- 6. berth db import: 100,000 records as one JSON array"
if [[ ! -f "$work/records.json" ]]; then
    python3 - "$work/records.zip" "$work/records.json" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as archive, open(sys.argv[2], "w") as out:
    out.write("[\n")
    for index, name in enumerate(sorted(archive.namelist())):
        out.write((",\n" if index else "") + archive.read(name).decode())
    out.write("\n]\n")
PY
fi
echo "records.json: $(du -h "$work/records.json" | cut -f1)"
for source in records.json records.zip; do
    rm -f "$work/import.sqlite"
    /usr/bin/time -v "$berth" db import --db "$work/import.sqlite" "$work/$source" 2>"$work/import-time.txt" >/dev/null
    wall="$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/import-time.txt")"
    rss="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/import-time.txt")"
    printf 'import %-12s wall %s  peak RSS %s KiB\n' "$source" "$wall" "$rss"
done
