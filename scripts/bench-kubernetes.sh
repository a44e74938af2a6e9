#!/usr/bin/env bash
# berth check against checkov on the same 1,000 Kubernetes manifests (about 5,000 objects), each
# tool in one run over the directory. Prints wall times, objects per second and the ratio.
# Usage: scripts/bench-kubernetes.sh [FILES]   (needs: pip install checkov==3.3.30)
# SCRATCH_PATH selects the SwiftPM scratch directory (default .build).
#
# scripts/bench-kubernetes.sh --compare prints the docs/comparison.md Kubernetes table instead: every
# Kubernetes rule example (triggering = bad, non-triggering = good, from docs/rules.md) and the
# multi-object fixtures in Tests/KubernetesTests/Fixtures, checked by Berth and by checkov.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--compare" ]; then
    scratch="${SCRATCH_PATH:-.build}"
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    swift build -c release --scratch-path "$scratch" --product berth >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
    berth="$(swift build -c release --scratch-path "$scratch" --show-bin-path)/berth"
    checkov="$(command -v checkov)" || { echo "checkov not found: pip install checkov==3.3.30" >&2; exit 2; }
    python3 - "$berth" "$checkov" "$work" <<'PY'
import json, os, re, shutil, subprocess, sys
berth, checkov, work = sys.argv[1:4]
# checkov 3.3.30 Kubernetes check ids by practice (from `checkov --list --framework kubernetes`).
CHECKOV = {
    "non-root-user": ["CKV_K8S_6", "CKV_K8S_23", "CKV_K8S_40"],
    "least-privilege": ["CKV_K8S_%d" % n for n in (1, 2, 3, 4, 5, 7, 16, 17, 18, 19, 20, 22, 24, 25, 27, 28, 29, 30, 31,
                        32, 36, 37, 38, 39, 49, 155, 156, 157, 158)] + ["CKV2_K8S_%d" % n for n in (1, 2, 3, 4, 5)],
    "pinned-images": ["CKV_K8S_14", "CKV_K8S_43"],
    "health-probes": ["CKV_K8S_8", "CKV_K8S_9"],
    "resource-requests": ["CKV_K8S_10", "CKV_K8S_11", "CKV_K8S_12", "CKV_K8S_13"],
    "secrets-management": ["CKV_K8S_35"],
    "network-isolation": ["CKV2_K8S_6"],
    "ingress-exposure": ["CKV_K8S_26", "CKV_K8S_152", "CKV_K8S_153", "CKV_K8S_154"],
}
# kube-linter, described from its documentation (docs/generated/checks.md): it was not run here.
KUBE_LINTER = {
    "managed-workloads": "none",
    "persistent-storage": "none (sensitive-host-mounts covers hostPath only)",
    "cpu-autoscaling": "dangling-horizontalpodautoscaler (off): target only, not the metric",
    "rolling-updates": "no-rolling-update-strategy (off)",
    "service-interconnect": "dangling-service (on), dangling-ingress, dangling-networkpolicy, invalid-target-ports; no PDB or ConfigMap hostname check",
    "ingress-exposure": "exposed-services (off); no Ingress TLS check",
    "non-root-user": "run-as-non-root (on)",
    "least-privilege": "privileged-container, privilege-escalation-container, host-pid/ipc/network, drop-net-raw-capability (on)",
    "pinned-images": "latest-tag (on)",
    "private-registry": "latest-tag allowList (custom configuration)",
    "health-probes": "no-liveness-probe, no-readiness-probe (off)",
    "resource-requests": "unset-cpu-requirements, unset-memory-requirements (on)",
    "secrets-management": "env-var-secret (on; env names containing 'secret' only)",
    "production-rdbms": "none",
    "config-via-configmap": "none",
    "graceful-shutdown": "none",
    "network-isolation": "non-isolated-pod (off)",
    "current-apis": "no-extensions-v1beta (on; extensions group only)",
}
text = open("docs/rules.md").read()
sections = re.split(r"^## ", text, flags=re.M)[1:]
cases = []  # (practice, kind, directory)
for section in sections:
    rule = section.split("\n", 1)[0].strip()
    if not rule.startswith("kubernetes-"):
        continue
    practice = re.search(r"Practice `([^`]+)`", section).group(1)
    parts = re.split(r"^(Flagged \(the marked line\):|Not flagged:)\s*$", section, flags=re.M)
    for n, (label, body) in enumerate(zip(parts[1::2], parts[2::2])):
        blocks = re.findall(r"```\w*\n(.*?)\n```", body, flags=re.S)
        manifest = "\n".join(line[1:] if line.startswith("\u2193") else line for line in blocks[0].split("\n")) + "\n"
        kind = "bad" if label.startswith("Flagged") else "good"
        directory = os.path.join(work, "cases", practice, f"{kind}-{rule}-{n}")
        os.makedirs(directory)
        open(os.path.join(directory, "manifest.yaml"), "w").write(manifest)
        if len(blocks) > 1:
            open(os.path.join(directory, ".berth.yaml"), "w").write(blocks[1] + "\n")
        cases.append((practice, kind, directory))

def berth_practices(directory):
    out = subprocess.run([berth, "check", directory, "--format", "json", "--no-fail"], capture_output=True, text=True)
    return {f["practice"] for f in json.loads(out.stdout)["findings"]}

def checkov_failed(directory):
    out = subprocess.run([checkov, "-d", directory, "--framework", "kubernetes", "-o", "json", "--quiet"],
                         capture_output=True, text=True)
    data = json.loads(out.stdout) if out.stdout.strip() else []
    failed = []
    for report in (data if isinstance(data, list) else [data]):
        for check in report.get("results", {}).get("failed_checks", []):
            failed.append((check["file_path"], check["check_id"], check["resource"]))
    return failed

failed = checkov_failed(os.path.join(work, "cases"))
rows = {}
for practice, kind, directory in cases:
    row = rows.setdefault(practice, {"berth": [0, 0, 0, 0], "checkov": [0, 0, 0, 0]})
    index = 0 if kind == "bad" else 2
    row["berth"][index + 1] += 1
    row["checkov"][index + 1] += 1
    if practice in berth_practices(directory):
        row["berth"][index] += 1
    relative = "/" + os.path.relpath(directory, os.path.join(work, "cases")) + "/"
    ids = {c for f, c, _ in failed if relative in f}
    if ids & set(CHECKOV.get(practice, [])):
        row["checkov"][index] += 1

def cell(counts):
    hit, bad, alarm, good = counts
    text = "detected" if hit == bad else ("missed" if hit == 0 else f"{hit}/{bad} bad")
    if alarm:
        text += f", fired on {alarm}/{good} good"
    return text

print("| practice | berth | checkov 3.3.30 | kube-linter (from its docs, not run) |")
print("|---|---|---|---|")
for practice in sorted(rows):
    row = rows[practice]
    print(f"| `{practice}` | {cell(row['berth'])} | {cell(row['checkov'])} | {KUBE_LINTER.get(practice, '?')} |")
detected = lambda tool: sum(1 for r in rows.values() if r[tool][0] == r[tool][1])
print(f"| **all bad examples detected** | **{detected('berth')}/{len(rows)}** | **{detected('checkov')}/{len(rows)}** | |")

# The multi-object WSO2-style deployment: what each tool reports on the defective set beyond the corrected one.
fixtures = "Tests/KubernetesTests/Fixtures"
for name in ("corrected", "defective"):
    shutil.copytree(os.path.join(fixtures, name), os.path.join(work, name))
def berth_findings(name):
    out = subprocess.run([berth, "check", os.path.join(work, name), "--format", "json", "--no-fail"], capture_output=True, text=True)
    return {(os.path.basename(f["file"]), f["line"], f["rule"]) for f in json.loads(out.stdout)["findings"]}
def checkov_findings(name):
    return {(os.path.basename(f), c, r) for f, c, r in checkov_failed(os.path.join(work, name))}
b_new = berth_findings("defective") - berth_findings("corrected")
c_new = checkov_findings("defective") - checkov_findings("corrected")
print()
print(f"Multi-object fixture (shared RWO claim, PDB selecting no pod, memory-only HPA, ConfigMap naming a missing Service):")
print(f"berth reports {len(b_new)} findings on the defective set that the corrected set does not have: " +
      ", ".join(f"{f}:{l} {r}" for f, l, r in sorted(b_new)))
print(f"checkov reports {len(c_new)} failed checks on the defective set that the corrected set does not have" +
      (": " + ", ".join(f"{f} {c} {r}" for f, c, r in sorted(c_new)) if c_new else "") +
      f" (it fails {len(checkov_findings('corrected'))} checks on the corrected set)")
PY
    exit 0
fi
count="${1:-1000}"
scratch="${SCRATCH_PATH:-.build}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Each manifest is one WSO2-style component: ConfigMap, Deployment, Service, PodDisruptionBudget and
# HorizontalPodAutoscaler, ten components a namespace; every 7th has a defect of the kinds Berth
# judges across objects (PDB selecting no pod, memory-only HPA), so both tools have work to report.
python3 - "$work/manifests" "$count" <<'PY'
import os, sys
out, count = sys.argv[1], int(sys.argv[2])
os.makedirs(out)
template = """apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}-conf
  namespace: {ns}
data:
  deployment.toml: |
    [server]
    hostname = "{name}.example.com"
    [apim.key_manager]
    service_url = "https://{name}:9443/services/"
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: {ns}
spec:
  replicas: 2
  selector:
    matchLabels:
      deployment: {name}
  template:
    metadata:
      labels:
        deployment: {name}
    spec:
      securityContext:
        runAsNonRoot: true
        runAsUser: 802
      containers:
        - name: server
          image: registry.example.com/wso2/wso2am:4.5.0
          ports:
            - name: servlet-https
              containerPort: 9443
          readinessProbe:
            tcpSocket:
              port: servlet-https
          resources:
            requests:
              cpu: "1"
              memory: 2Gi
          volumeMounts:
            - name: conf
              mountPath: /home/wso2carbon/wso2am/repository/conf/deployment.toml
              subPath: deployment.toml
      volumes:
        - name: conf
          configMap:
            name: {name}-conf
---
apiVersion: v1
kind: Service
metadata:
  name: {name}
  namespace: {ns}
spec:
  selector:
    deployment: {name}
  ports:
    - name: servlet-https
      port: 9443
      targetPort: servlet-https
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {name}-pdb
  namespace: {ns}
spec:
  minAvailable: 1
  selector:
    matchLabels:
      deployment: {pdb}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {name}
  namespace: {ns}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {name}
  minReplicas: 2
  maxReplicas: 5
  metrics:
    - type: Resource
      resource:
        name: {metric}
        target:
          type: Utilization
          averageUtilization: 75
"""
for i in range(count):
    name = f"apim-{i:04d}"
    defect = i % 7 == 0
    text = template.format(name=name, ns=f"team-{i // 10:03d}", pdb=name + ("-deployment" if defect else ""),
                           metric="memory" if defect else "cpu")
    with open(os.path.join(out, f"{name}.yaml"), "w") as f:
        f.write(text)
print(f"{count} manifests, {count * 5} objects", file=sys.stderr)
PY

if [[ -n "${BERTH:-}" ]]; then
    berth="$BERTH"
else
    swift build -c release --scratch-path "$scratch" --product berth >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
    berth="$(swift build -c release --scratch-path "$scratch" --show-bin-path)/berth"
fi
checkov="$(command -v checkov || true)"

python3 - "$berth" "$checkov" "$work/manifests" "$count" "${RUNS:-3}" <<'PY'
import json, os, statistics, subprocess, sys, time
berth, checkov, root, count, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
objects = count * 5

def timed(name, cmd):
    """One discarded warm-up run, then `runs` timed runs; the median, for both tools alike."""
    times, out = [], None
    for attempt in range(runs + 1):
        start = time.perf_counter()
        out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if attempt > 0:
            times.append(time.perf_counter() - start)
    return statistics.median(times), times, out

load = os.getloadavg()[0]
print(f"{count} files, {objects} objects; {os.cpu_count()} cores; load average before: {load:.2f}; "
      f"median of {runs} runs after one warm-up, for both tools; each tool one process over the directory "
      f"(berth parses the files and runs its rules on all cores, then judges the objects as one set; checkov runs its own worker pool)")
b, bruns, out = timed("berth", [berth, "check", root, "--format", "json", "--no-fail"])
if out.returncode != 0:
    sys.exit(f"berth exited {out.returncode}: {out.stderr.decode()[:500]}")
report = json.loads(out.stdout)
if report["summary"]["files"] != count:
    sys.exit(f"berth checked {report['summary']['files']} files, expected {count}")
findings = report["findings"]
pdb = sum(1 for f in findings if f["rule"] == "kubernetes-pdb-selector-unmatched")
hpa = sum(1 for f in findings if f["rule"] == "kubernetes-hpa-not-cpu")
print(f"berth:   {b:.3f} s = {objects / b:,.0f} objects/s  runs {', '.join(f'{x:.3f}' for x in bruns)} "
      f"({len(findings)} findings; cross-object: {pdb} PDBs selecting no pod, {hpa} HPAs not on CPU)")
if not checkov:
    print("checkov: not installed (pip install checkov==3.3.30); no ratio")
    sys.exit(0)
c, cruns, out = timed("checkov", [checkov, "-d", root, "--framework", "kubernetes", "--quiet", "--compact", "-o", "json",
                                  "--soft-fail"])
if out.returncode != 0:
    sys.exit(f"checkov exited {out.returncode}: {out.stderr.decode()[:500]}")
data = json.loads(out.stdout)
results = data if isinstance(data, list) else [data]
failed = sum(r["summary"]["failed"] for r in results)
resources = sum(r["summary"].get("resource_count", 0) for r in results)
print(f"checkov: {c:.3f} s = {objects / c:,.0f} objects/s  runs {', '.join(f'{x:.3f}' for x in cruns)} "
      f"({failed} failed checks over {resources} resources)")
print(f"ratio:   berth is {c / b:,.1f}x faster than checkov")
PY
