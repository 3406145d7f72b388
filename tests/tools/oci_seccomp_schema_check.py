#!/usr/bin/python3
"""Validates a seccomp profile against the OCI runtime-spec schema's `linux.seccomp` object.

Usage: oci_seccomp_schema_check.py SCHEMA_DIR PROFILE.json
SCHEMA_DIR holds the runtime-spec's schema files (Debian: golang-github-opencontainers-specs-dev,
/usr/share/gocode/src/github.com/opencontainers/runtime-spec/schema). Exit 0 when valid,
1 with the schema's complaint when not, 2 on bad input.
"""
import json
import pathlib
import sys

import jsonschema


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    schema_dir = pathlib.Path(sys.argv[1]).resolve()
    try:
        profile = json.loads(pathlib.Path(sys.argv[2]).read_text())
    except (OSError, ValueError) as error:
        print(f"{sys.argv[2]}: {error}", file=sys.stderr)
        return 2
    # The seccomp object is a property of config-linux.json; its $refs are relative to the directory.
    schema = {"$ref": "config-linux.json#/linux/properties/seccomp"}
    resolver = jsonschema.RefResolver(base_uri=schema_dir.as_uri() + "/", referrer=schema)
    validator = jsonschema.Draft4Validator(schema, resolver=resolver)
    errors = sorted(validator.iter_errors(profile), key=lambda e: list(e.absolute_path))
    for error in errors:
        path = "/".join(str(p) for p in error.absolute_path)
        print(f"{sys.argv[2]}: at /{path}: {error.message}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
