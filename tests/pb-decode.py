#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""A protobuf exposition (varint-delimited io.prometheus.client.MetricFamily
messages, the exporter's protobuf format) as protoc's text format on stdout,
one message after another: the body is split here, each message decoded by
protoc-c against the tree's userspace/exporter/client_model.proto. Exits 1
with a one-line reason if the body is not such a sequence.

usage: tests/pb-decode.py BODY"""
import os
import subprocess
import sys

PROTO_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "userspace", "exporter")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.splitlines()[-1])
    body = open(sys.argv[1], "rb").read()
    pos = n = 0
    while pos < len(body):
        size = shift = 0
        while True:
            if pos >= len(body) or shift > 63:
                sys.exit("%s: message %d: a bad length varint" % (sys.argv[1], n))
            b = body[pos]
            pos += 1
            size |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
        if pos + size > len(body):
            sys.exit("%s: message %d ends %d bytes past the body" % (sys.argv[1], n, pos + size - len(body)))
        r = subprocess.run(["protoc-c", "--proto_path=" + PROTO_DIR,
                            "--decode=io.prometheus.client.MetricFamily", "client_model.proto"],
                           input=body[pos:pos + size], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if r.returncode:
            sys.exit("%s: message %d: protoc-c: %s" % (sys.argv[1], n, r.stderr.decode().strip()))
        sys.stdout.write(r.stdout.decode())
        pos += size
        n += 1


main()
