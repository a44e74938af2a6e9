#!/usr/bin/env python3
"""Checks a `berth render` output directory with the real tools:

- every object in manifests/ is valid Kubernetes (kubernetes-validate --strict, current version);
- the chart passes `helm lint` (Helm's own library through helm-sdkpy, no cluster);
- the chart's templates, rendered by Go text/template with sprig (py-go-template) for the default
  values, give exactly the objects in manifests/.

Prints one JSON object: {"kubernetesValidate": [...problems], "helmLint": [...], "chartMatchesManifests": [...]}.
Exit 0 when all three lists are empty, 1 otherwise, 2 when a tool is missing.
"""
import asyncio
import glob
import json
import os
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
    result = {"kubernetesValidate": [], "helmLint": [], "chartMatchesManifests": []}
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
    print(json.dumps(result))
    return 0 if not any(result.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
