#!/usr/bin/env python3
"""Parse Dockerfiles with BuildKit's own Go parser (the PyPI `dockerfile` package).

Usage: buildkit_oracle.py FILE...   (or a directory: every regular file in it)

Prints one JSON object: {path: {"instructions": [...]}} or {path: {"error": message}}, with the
fields named as `berth parse --format json` names them, so the two can be compared field by field.
"""
import json
import os
import sys

import dockerfile


def command_to_dict(command):
    return {
        "cmd": command.cmd,
        "subCmd": command.sub_cmd,
        "json": command.json,
        "original": command.original,
        "startLine": command.start_line,
        "endLine": command.end_line,
        "flags": list(command.flags),
        "value": list(command.value),
        "heredocs": [
            {"name": h.name, "fileDescriptor": h.file_descriptor, "content": h.content}
            for h in command.heredocs
        ],
    }


def main(argv):
    paths = []
    for argument in argv:
        if os.path.isdir(argument):
            paths += sorted(os.path.join(argument, name) for name in os.listdir(argument))
        else:
            paths.append(argument)
    out = {}
    for path in paths:
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8")
        try:
            out[path] = {"instructions": [command_to_dict(c) for c in dockerfile.parse_string(text)]}
        except dockerfile.GoParseError as error:
            out[path] = {"error": str(error)}
    json.dump(out, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
