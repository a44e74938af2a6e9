#!/usr/bin/env bash
# Parser speed: Berth against BuildKit's Go parser (PyPI `dockerfile`) on the same inputs.
#
# Parses every Dockerfile of the corpus (BERTH_CORPUS, default .corpus: scripts/fetch-corpora.sh)
# plus one generated 10,000-line Dockerfile, 100 passes, in-process on both sides, and prints
# instructions per second, ms per file, the 10,000-line file's best time, and the ratio.
# How the two sides differ, printed with the figures: BuildKit's parser is Go, reached through the
# `dockerfile` package's CPython binding, so each file pays one Python-to-Go call (its cost is
# measured on a one-line file and reported); the binding embeds the BuildKit release it was built
# with (read from the binary and printed), which may be older than the corpus's BuildKit commit, so
# instruction counts can differ on newer syntax (also printed).
# Usage: scripts/bench-parser.sh [PASSES]
set -euo pipefail
cd "$(dirname "$0")/.."
passes="${1:-100}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python3 - "$work/large.Dockerfile" <<'PY'
import sys
lines = ["# syntax=docker/dockerfile:1", "FROM eclipse-temurin:21-jre AS build"]
i = 0
while len(lines) < 10000:
    lines += [f"RUN echo step {i} && \\", f"    curl -fsSL https://example.com/{i}.tgz | tar -xz -C /opt", f'ENV VAR_{i}="value {i}" OTHER_{i}=x', f'COPY --chown=802:802 --from=build /src/{i} /dst/{i}']
    i += 1
open(sys.argv[1], "w").write("\n".join(lines[:10000]) + "\n")
PY

corpus="${BERTH_CORPUS:-.corpus}"
[[ -d "$corpus" ]] || { echo "no corpus at $corpus: run scripts/fetch-corpora.sh or set BERTH_CORPUS" >&2; exit 2; }
mapfile -t files < <(find "$corpus" -type f \( -name Dockerfile -o -name '*.Dockerfile' -o -name 'Dockerfile.*' \) | sort)
files+=("$work/large.Dockerfile")

swift build -c release --product berth-bench >/dev/null
bench="$(swift build -c release --show-bin-path)/berth-bench"
berth_json="$("$bench" --passes "$passes" "${files[@]}")"

go_json="$(python3 - "$passes" "${files[@]}" <<'PY'
import json, sys, time
import dockerfile
passes = int(sys.argv[1]); paths = sys.argv[2:]
texts = [(p, open(p, encoding="utf-8").read()) for p in paths]
count = 0; failures = 0
start = time.perf_counter()
for _ in range(passes):
    for _, text in texts:
        try:
            count += len(dockerfile.parse_string(text))
        except dockerfile.GoParseError:
            failures += 1
seconds = time.perf_counter() - start
call = min((lambda t0: (dockerfile.parse_string("FROM a\n"), time.perf_counter() - t0)[1])(time.perf_counter()) for _ in range(2000))
import re
binary = open(dockerfile.__file__, "rb").read()
found = re.search(rb"github.com/moby/buildkit@(v[0-9.]+)", binary)
buildkit = found.group(1).decode() if found else "unknown"
largest = max(texts, key=lambda t: len(t[1]))
best = min((lambda t0: (dockerfile.parse_string(largest[1]), time.perf_counter() - t0)[1])(time.perf_counter()) for _ in range(20))
print(json.dumps({"files": len(texts), "passes": passes, "failures": failures, "instructions": count,
    "seconds": round(seconds, 4), "instructionsPerSecond": int(count / seconds),
    "msPerFile": round(seconds * 1000 / (len(texts) * passes), 4), "largestBestMs": round(best * 1000, 3),
    "callMs": round(call * 1000, 4), "buildkit": buildkit}))
PY
)"

python3 - "$berth_json" "$go_json" <<'PY'
import json, sys
b = json.loads(sys.argv[1]); g = json.loads(sys.argv[2])
print(f"inputs: {b['files']} Dockerfiles (the corpus + one {b['largest']['lines']}-line file), {b['passes']} passes, in-process")
print(f"berth:             {b['instructionsPerSecond']:>10,} instructions/s  {b['msPerFile']:.4f} ms/file  10,000-line file {b['largest']['bestMs']:.2f} ms (best of 20)")
print(f"BuildKit (Go/PyPI):{g['instructionsPerSecond']:>10,} instructions/s  {g['msPerFile']:.4f} ms/file  10,000-line file {g['largestBestMs']:.2f} ms (best of 20)")
print(f"BuildKit side: Go parser of BuildKit {g['buildkit']} through the CPython binding; one call on a one-line file takes {g['callMs']:.4f} ms (best of 2,000), an upper bound on the binding's cost per file")
print(f"ratio berth/BuildKit throughput: {b['instructionsPerSecond'] / g['instructionsPerSecond']:.2f}x")
adjusted = g['msPerFile'] - g['callMs']
if adjusted > 0:
    print(f"ratio per file with the binding's call cost taken off BuildKit's side: {adjusted / b['msPerFile']:.2f}x")
if b["instructions"] != g["instructions"]:
    print(f"note: instruction counts differ (berth {b['instructions']}, BuildKit {g['instructions']}): dialect differences on the inputs")
ok = b['largest']['bestMs'] < 50
print(f"10,000-line file under 50 ms: {'yes' if ok else 'NO'}")
PY
