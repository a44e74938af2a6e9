"""Pushes and pulls an artifact with the oras Python client, attaches a referrer, lists referrers.

Usage: oras_e2e.py HOST:PORT WORKDIR [USER PASSWORD]
Prints one JSON object with what it observed; exits non-zero on any mismatch.
"""
import hashlib
import json
import os
import sys

import oras.oci
import oras.provider


def main():
    host, work = sys.argv[1], sys.argv[2]
    os.chdir(work)
    registry = oras.provider.Registry(hostname=host, insecure=True)
    if len(sys.argv) > 4:
        registry.login(username=sys.argv[3], password=sys.argv[4], insecure=True)
    with open("artifact.txt", "wb") as f:
        f.write(b"berth oras artifact\n" * 1000)
    with open("big.bin", "wb") as f:
        f.write(os.urandom(3 * 1024 * 1024 + 17))
    target = f"{host}/art/files:v1"
    registry.push(target=target, files=["artifact.txt:text/plain", "big.bin"], do_chunked=True, chunk_size=1024 * 1024, quiet=True)
    os.makedirs("out", exist_ok=True)
    pulled = registry.pull(target=target, outdir="out")
    same = all(open(name, "rb").read() == open(os.path.join("out", name), "rb").read() for name in ["artifact.txt", "big.bin"])

    manifest = registry.get_manifest(target)
    raw = registry.do_request(f"http://{host}/v2/art/files/manifests/v1", "GET",
                              headers={"Accept": "application/vnd.oci.image.manifest.v1+json"})
    digest = raw.headers["Docker-Content-Digest"]
    assert digest == "sha256:" + hashlib.sha256(raw.content).hexdigest(), "Docker-Content-Digest matches the bytes"
    subject = oras.oci.Subject(mediaType=manifest.get("mediaType", "application/vnd.oci.image.manifest.v1+json"),
                               digest=digest, size=len(raw.content))
    with open("signature.json", "w") as f:
        json.dump({"signed": digest}, f)
    registry.push(target=f"{host}/art/files:sig", files=["signature.json:application/vnd.example.signature+json"],
                  subject=subject, manifest_annotations={"org.example.kind": "signature"}, quiet=True)
    referrers = registry.do_request(f"http://{host}/v2/art/files/referrers/{digest}", "GET").json()
    filtered = registry.do_request(f"http://{host}/v2/art/files/referrers/{digest}?artifactType=none/none", "GET")
    print(json.dumps({
        "pulled": sorted(os.path.basename(p) for p in pulled),
        "identical": same,
        "subject": digest,
        "referrers": [m.get("annotations", {}).get("org.example.kind") for m in referrers["manifests"]],
        "filteredCount": len(filtered.json()["manifests"]),
        "filterHeader": filtered.headers.get("OCI-Filters-Applied"),
    }))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
