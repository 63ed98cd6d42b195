#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Validate a JSON document against one definition of a JSON Schema and
through the schema's top level, with Debian's python3-jsonschema.

usage: json_validate.py SCHEMA DEFINITION FILE
Prints the first error as one line "$.path: message" and exits 1 if the
document does not match; exits 2 if the schema itself is not valid.
"""
import json
import sys

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match


def main():
    schema_path, definition, doc_path = sys.argv[1:4]
    with open(schema_path) as f:
        schema = json.load(f)
    with open(doc_path) as f:
        doc = json.load(f)
    Draft202012Validator.check_schema(schema)
    one = {"$ref": "#/$defs/" + definition, "$defs": schema["$defs"]}
    for s in (one, schema):
        err = best_match(Draft202012Validator(s).iter_errors(doc))
        if err is not None:
            where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}"
                            for p in err.absolute_path)
            print(f"${where}: {err.message}")
            return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # a broken schema or document: not a verdict
        print(f"json_validate.py: {e}")
        sys.exit(2)
