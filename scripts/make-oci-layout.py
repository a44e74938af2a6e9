#!/usr/bin/env python3
"""Writes an OCI image layout holding one single-layer image of random bytes.

usage: make-oci-layout.py LAYOUT TAG SIZE_MIB [gzip]

The layer is a tar with one file, `payload`, of SIZE_MIB mebibytes from os.urandom; uncompressed
unless `gzip` is given. Used by the registry tests and benchmarks as push input for skopeo and podman.
"""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile


def put_blob(layout, data):
    digest = hashlib.sha256(data).hexdigest()
    path = os.path.join(layout, "blobs", "sha256", digest)
    with open(path, "wb") as handle:
        handle.write(data)
    return {"digest": "sha256:" + digest, "size": len(data)}


def main(argv):
    if len(argv) not in (4, 5) or (len(argv) == 5 and argv[4] != "gzip"):
        sys.stderr.write(__doc__)
        return 2
    layout, tag, mebibytes = argv[1], argv[2], int(argv[3])
    compress = len(argv) == 5
    os.makedirs(os.path.join(layout, "blobs", "sha256"), exist_ok=True)

    content = os.urandom(mebibytes << 20)
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w", format=tarfile.PAX_FORMAT) as tar:
        entry = tarfile.TarInfo("payload")
        entry.size, entry.mode, entry.mtime = len(content), 0o644, 0
        tar.addfile(entry, io.BytesIO(content))
    uncompressed = archive.getvalue()
    layer_type = "application/vnd.oci.image.layer.v1.tar"
    layer_bytes = uncompressed
    if compress:
        layer_bytes = gzip.compress(uncompressed, compresslevel=1, mtime=0)
        layer_type += "+gzip"
    layer = dict(mediaType=layer_type, **put_blob(layout, layer_bytes))

    image_config = {
        "architecture": "amd64",
        "os": "linux",
        "config": {},
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(uncompressed).hexdigest()]},
    }
    config = dict(mediaType="application/vnd.oci.image.config.v1+json",
                  **put_blob(layout, json.dumps(image_config, sort_keys=True).encode()))
    manifest_document = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": config,
        "layers": [layer],
    }
    manifest = dict(mediaType=manifest_document["mediaType"],
                    **put_blob(layout, json.dumps(manifest_document, sort_keys=True).encode()))
    manifest["annotations"] = {"org.opencontainers.image.ref.name": tag}

    index_path = os.path.join(layout, "index.json")
    index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": []}
    if os.path.exists(index_path):
        with open(index_path) as handle:
            index = json.load(handle)
    index["manifests"] = [m for m in index["manifests"]
                          if m.get("annotations", {}).get("org.opencontainers.image.ref.name") != tag]
    index["manifests"].append(manifest)
    with open(index_path, "w") as handle:
        json.dump(index, handle)
    with open(os.path.join(layout, "oci-layout"), "w") as handle:
        json.dump({"imageLayoutVersion": "1.0.0"}, handle)
    print(manifest["digest"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
