#!/usr/bin/env bash
# berth check against checkov on the same 1,000 Kubernetes manifests (about 5,000 objects), each
# tool in one run over the directory. Prints wall times, objects per second and the ratio.
# Usage: scripts/bench-kubernetes.sh [FILES]   (needs: pip install checkov==3.3.30)
# SCRATCH_PATH selects the SwiftPM scratch directory (default .build).
set -euo pipefail
cd "$(dirname "$0")/.."
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

swift build -c release --scratch-path "$scratch" --product berth >/dev/null
berth="$(swift build -c release --scratch-path "$scratch" --show-bin-path)/berth"
checkov="$(command -v checkov || true)"

python3 - "$berth" "$checkov" "$work/manifests" "$count" <<'PY'
import json, os, statistics, subprocess, sys, time
berth, checkov, root, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
objects = count * 5

def timed(cmd, repeat):
    runs, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), out

b, out = timed([berth, "check", root, "--format", "json", "--no-fail"], 5)
if out.returncode != 0:
    sys.exit(f"berth failed: {out.stderr.decode()[:500]}")
report = json.loads(out.stdout)
findings = report["findings"]
pdb = sum(1 for f in findings if f["rule"] == "kubernetes-dangling-reference" and "PodDisruptionBudget" in f["message"])
hpa = sum(1 for f in findings if f["rule"] == "kubernetes-autoscaling" and "not CPU" in f["message"])
print(f"berth:   {b:.3f} s median of 5 for {count} files / {objects} objects = {objects / b:,.0f} objects/s "
      f"({len(findings)} findings; cross-object: {pdb} PDBs selecting no pod, {hpa} HPAs not on CPU)")
if not checkov:
    print("checkov: not installed (pip install checkov==3.3.30); no ratio")
    sys.exit(0)
c, out = timed([checkov, "-d", root, "--framework", "kubernetes", "--quiet", "--compact", "-o", "json"], 1)
try:
    data = json.loads(out.stdout)
    failed = sum(r["summary"]["failed"] for r in (data if isinstance(data, list) else [data]))
except Exception:
    failed = "?"
print(f"checkov: {c:.3f} s (one run) for the same files = {objects / c:,.0f} objects/s ({failed} failed checks)")
print(f"ratio:   berth is {c / b:,.1f}x faster than checkov on {os.cpu_count()} cores")
PY
