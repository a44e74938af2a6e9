#!/usr/bin/env bash
# Runs the release binary against hostile and broken input, each probe under `timeout` and
# /usr/bin/time -v, and prints a table: probe, exit code, wall time, peak RSS, verdict.
# A verdict is right when the exit code is the expected one, nothing crashed (exit >= 128), the
# probe stayed under the time limit and its peak RSS under 300 MB.
#
#   scripts/hostile-inputs.sh [BERTH_BINARY]      (default: .build/release/berth)
set -uo pipefail
cd "$(dirname "$0")/.."
berth="$(realpath "${1:-.build/release/berth}")"
[[ -x "$berth" ]] || { echo "build it first: swift build -c release --product berth" >&2; exit 2; }
work="$(mktemp -d)"
trap 'chmod -R u+rwx "$work" 2>/dev/null; rm -rf "$work"' EXIT
limit_mb=300
seconds=30
failures=0

printf '%-58s %5s %8s %9s  %s\n' probe exit wall "peak MB" verdict
# probe NAME EXPECTED_EXIT COMMAND...: runs the command (a bash string) and judges it.
probe() {
    local name="$1" expected="$2" command="$3"
    local log="$work/time.log"
    /usr/bin/time -v -o "$log" timeout -s KILL "$seconds" bash -c "$command" >"$work/out" 2>"$work/err"
    local code=$?
    local rss wall verdict
    rss=$(awk -F': ' '/Maximum resident/ {printf "%.0f", $2/1024}' "$log" 2>/dev/null)
    wall=$(awk -F': ' '/Elapsed/ {print $2}' "$log" 2>/dev/null)
    # time(1) reports the exit status of timeout; a killed probe shows 137.
    verdict=ok
    if [[ "$code" != "$expected" ]]; then verdict="WRONG (expected exit $expected)"; fi
    if [[ "$code" == 99 ]]; then verdict="WRONG (the message is not the expected one)"; fi
    if ((code >= 124)); then verdict="WRONG (crashed, hung or killed)"; fi
    if ((${rss:-0} > limit_mb)); then verdict="WRONG (over $limit_mb MB)"; fi
    [[ "$verdict" == ok ]] || failures=$((failures + 1))
    printf '%-58s %5s %8s %9s  %s\n' "$name" "$code" "${wall:-?}" "${rss:-?}" "$verdict"
    if [[ "$verdict" != ok ]]; then sed 's/^/    /' "$work/err" | head -3; fi
}

cd "$work"
B="$berth"
# expect_message PATTERN COMMAND: a probe command that also requires PATTERN in its output (exit 99 if absent).
expect_message() { printf 'out=$(%s 2>&1); code=$?; grep -q -- %q <<<"$out" || exit 99; exit $code' "$2" "$1"; }

# 1. Data loss: a generated list that names a file outside --out.
mkdir -p victim && echo precious >victim/precious
"$B" render --out deploy >/dev/null
echo '../victim/precious' >>deploy/.berth-generated
probe "render: .berth-generated names ../victim/precious" 2 "'$B' render --out deploy; code=\$?; test -f victim/precious || exit 99; exit \$code"
sed -i '$d' deploy/.berth-generated
echo '/etc/hostname' >>deploy/.berth-generated
probe "render: .berth-generated names an absolute path" 2 "'$B' render --out deploy"
sed -i '$d' deploy/.berth-generated

# 2. Unbounded input.
probe "yes 'RUN echo hi' | berth parse -" 2 "yes 'RUN echo hi' | '$B' parse -"
probe "yes 'RUN echo hi' | berth check -" 2 "yes 'RUN echo hi' | '$B' check -"
probe "yes 'a: b' | berth check -" 2 "yes 'a: b' | '$B' check -"
truncate -s 4G sparse.Dockerfile
probe "berth parse of a 4 GB sparse file" 2 "'$B' parse sparse.Dockerfile"
probe "berth check of a 4 GB sparse file" 2 "'$B' check sparse.Dockerfile"
rm -f sparse.Dockerfile
python3 - <<'PY'
doc = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c%d}\ndata: {k: v}\n---\n"
with open("big.yaml", "w") as f:
    i = 0
    while f.tell() < 15 << 20:
        f.write(doc % i)
        i += 1
import os
os.makedirs("four", exist_ok=True)
for n in range(4):
    os.link("big.yaml", f"four/m{n}.yaml") if not os.path.exists(f"four/m{n}.yaml") else None
PY
# 220,000 one-key ConfigMaps: the most objects and nodes per byte, the worst case for memory. They
# are all well-formed and break no rule: exit 0. Four of them pass the run's 16 MiB budget: the
# files that would pass it are refused by name (exit 2) and the run's memory stays that of one.
probe "berth check of a 15 MB manifest" 0 "'$B' check --fail-on info big.yaml"
probe "berth check of four 15 MB manifests (run budget)" 2 "$(expect_message 'budget of one run' "'$B' check four")"
mkdir -p fakebin
printf '#!/bin/sh\nexec yes "apiVersion: v1"\n' >fakebin/helm
printf '#!/bin/sh\nsleep 600\n' >fakebin/kubectl
chmod +x fakebin/helm fakebin/kubectl
mkdir -p chart/templates && printf 'apiVersion: v2\nname: c\nversion: 1.0.0\n' >chart/Chart.yaml
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n' >chart/templates/c.yaml
probe "helm whose output never ends" 2 "PATH='$work/fakebin':\$PATH '$B' check chart"

# 3. Exponential expansion.
python3 - <<'PY'
lines = ["FROM alpine:3.20", "ARG A0=xxxxxxxxxxxxxxxx"]
lines += [f"ARG A{i}=${{A{i-1}}}${{A{i-1}}}" for i in range(1, 41)]
lines += ["USER 802", "RUN echo $A40"]
open("chain.Dockerfile", "w").write("\n".join(lines) + "\n")
PY
probe "check: 40-line ARG doubling chain" 1 "'$B' check chain.Dockerfile"

# 4. Deep nesting in every YAML Berth reads.
python3 -c "open('deep.yaml','w').write('rules: ' + '['*5000 + ']'*5000 + '\n')"
mkdir -p nested && cp deep.yaml nested/.berth.yaml && echo 'FROM alpine:3.20' >nested/Dockerfile
probe ".berth.yaml nested 5,000 deep" 2 "'$B' check nested"
probe "render --spec nested 5,000 deep" 2 "'$B' render --spec deep.yaml --out o1"
probe "registry scrub --config nested 5,000 deep" 2 "'$B' registry scrub --config deep.yaml --root r1"
python3 - <<'PY'
t = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
for level in range(1, 16):
    t += f"a{level}: &a{level} [" + ", ".join([f"*a{level-1}"] * 10) + "]\n"
open("bomb.yaml", "w").write(t + "apiVersion: v1\nkind: ConfigMap\n")
PY
probe "alias bomb manifest" 2 "'$B' check bomb.yaml"
probe "alias bomb spec" 2 "'$B' render --spec bomb.yaml --out o2"

# 5. Silent passes.
mkdir -p tree/ok tree/locked && echo 'FROM alpine:3.20' >tree/ok/Dockerfile && echo 'FROM alpine:3.20' >tree/locked/Dockerfile
chmod 000 tree/locked
chmod o+rx "$work" tree tree/ok && chmod o+r tree/ok/Dockerfile
probe "unreadable subdirectory (as nobody)" 2 "setpriv --reuid=65534 --regid=65534 --clear-groups '$B' check --fail-on none tree"
probe "unreadable directory named (as nobody)" 2 "setpriv --reuid=65534 --regid=65534 --clear-groups '$B' check tree/locked"
chmod 755 tree/locked
printf 'apiVersion: v1\nmetadata: {name: a}\n' >nokind.yaml
probe "object with apiVersion and no kind" 2 "'$B' check nokind.yaml"
printf 'apiVersion: v1\nkind: 42\nmetadata: {name: a}\n' >kind42.yaml
probe "object with kind: 42" 2 "'$B' check kind42.yaml"

# 6. Hangs.
mkdir -p overlay && printf 'resources: []\n' >overlay/kustomization.yaml
probe "kubectl kustomize that never returns (--render-timeout 2)" 2 "PATH='$work/fakebin':\$PATH '$B' check --render-timeout 2 overlay"

# 7. Exit codes and messages.
touch a-file
probe "render --out FILE" 2 "'$B' render --out a-file"
probe "check --output DIRECTORY" 2 "'$B' check --output /tmp nested/Dockerfile"
mkdir -p ro && chmod 555 ro
probe "render into a read-only directory (as nobody)" 2 "setpriv --reuid=65534 --regid=65534 --clear-groups '$B' render --out ro/deploy"
probe "parse /dev/zero" 2 "$(expect_message 'more than' "'$B' parse /dev/zero")"
ln -sf loop1 loop2 && ln -sf loop2 loop1
probe "parse a symlink loop" 2 "$(expect_message 'symbolic links' "'$B' parse loop1")"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  k: "a\0b"\n' >nul.yaml
probe "NUL byte on line 5 of a manifest" 2 "$(expect_message 'nul.yaml:5' "'$B' check nul.yaml")"
printf '\xff\xfe\n' >latin.yaml
probe "non-UTF-8 spec" 2 "$(expect_message 'not UTF-8' "'$B' render --spec latin.yaml --out o3")"
printf 'idleTimeoutSeconds: soon\n' >typed.yaml
probe "registry config type error" 2 "$(expect_message 'typed.yaml:1' "'$B' registry scrub --config typed.yaml --root r2")"

# 8. Values Kubernetes would reject.
"$B" init --output good.yaml >/dev/null
sed 's/size: 1Gi/size: lots/' good.yaml >lots.yaml
probe "spec storage.size: lots" 2 "'$B' render --spec lots.yaml --out o4"
sed 's/portal: am.example.com/portal: "am.example.com\\\\nx: y"/' good.yaml >newline.yaml
probe "spec ingress host with a newline" 2 "'$B' render --spec newline.yaml --out o5"
: >empty.yaml
probe "empty spec" 2 "'$B' render --spec empty.yaml --out o6"
printf 'address: 127.0.0.1:0\nadress: typo\n' >unknown.yaml
probe "registry.yaml with an unknown key" 2 "'$B' registry scrub --config unknown.yaml --root r3"

echo
if ((failures)); then echo "$failures probe(s) wrong"; exit 1; fi
echo "every verdict right"
