#!/usr/bin/python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Send each request of the hostile corpus raw to the exporter and check
its answer; after each, a normal scrape must still get a 200 with metrics.

usage: send.py HOST PLAIN_PORT TLS_PORT CORPUS_DIR

A corpus file is named NN-what[.MODE].EXPECT and holds the bytes sent:
  MODE    (none) send, then read until the server closes or 5 s pass
          halfclose: send, then shut the sending side (FIN), then read
          reset: send, then reset the connection (RST), read nothing
          tls: send to the TLS port instead
  EXPECT  reject: 4xx answers only, or the connection closed without one
          ok: one 200 (well-formed HTTP, however odd: the server must serve it;
          and *-cut: a raw NUL byte in the path or a header value, which
          libmicrohttpd cuts the string at before the exporter sees it, so
          that "/metrics<NUL>x" is served as /metrics: known, harmless)
          ok-reject: a 200 for the first request, then only 4xx or a close
          version: as reject, or 505 (RFC 9110 15.6.6: the answer to an
          HTTP version the server does not speak)
On the TLS port, a TLS alert record before the close counts as a close.
Exit 1 with one line per failure; a summary on stdout."""
import os
import re
import socket
import struct
import sys
import time

host, plain_port, tls_port, corpus = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
STATUS = re.compile(rb"(?:^|\r?\n)HTTP/1\.[01] (\d{3}) ")


def exchange(port, data, mode):
    s = socket.create_connection((host, port), timeout=5)
    try:
        try:
            s.sendall(data)
        except OSError:
            pass   # the server may close before reading it all: a refusal
        if mode == "reset":
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return None
        if mode == "halfclose":
            s.shutdown(socket.SHUT_WR)
        got = b""
        end = time.monotonic() + 5
        while time.monotonic() < end:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                return got + b"\0TIMEOUT"
            except OSError:
                break
            if not chunk:
                break
            got += chunk
        else:
            return got + b"\0TIMEOUT"
        return got
    finally:
        s.close()


def scrape_ok():
    s = socket.create_connection((host, plain_port), timeout=5)
    try:
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: ptcopy\r\nConnection: close\r\n\r\n")
        got = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
    finally:
        s.close()
    return got.startswith(b"HTTP/1.1 200 ") and b"\nptcopy_build_info{" in got


def check(expect, mode, got):
    if got is None:
        return None
    if got.endswith(b"\0TIMEOUT"):
        return "the server kept the connection open for more than 5 s"
    # a TLS alert record: content type 21, version 3.x, a 2-byte alert
    if mode == "tls" and len(got) == 7 and got[0] == 0x15 and got[1] == 3:
        return None
    codes = [int(c) for c in STATUS.findall(got)]
    if got and not codes:
        return "an answer that is not HTTP: %r" % got[:60]
    if expect == "ok":
        return None if codes[:1] == [200] and len(codes) == 1 else "answers %s, want one 200" % codes
    rest = codes
    if expect == "ok-reject":
        if codes[:1] != [200]:
            return "answers %s, want a 200 first" % codes
        rest = codes[1:]
    bad = [c for c in rest if not (400 <= c < 500 or (expect == "version" and c == 505))]
    return "answers %s, want only 4xx or a close" % codes if bad else None


failures = 0
names = sorted(os.listdir(corpus))
for name in names:
    parts = name.split(".")
    expect = parts[-1]
    mode = parts[-2] if len(parts) == 3 else ""
    with open(os.path.join(corpus, name), "rb") as f:
        data = f.read()
    port = tls_port if mode == "tls" else plain_port
    why = check(expect, mode, exchange(port, data, mode))
    if why:
        failures += 1
        print("FAIL %s: %s" % (name, why))
    if not scrape_ok():
        failures += 1
        print("FAIL %s: the normal scrape after it did not get a 200 with metrics" % name)
print("%d hostile requests sent, %d failures, a normal scrape served after each" %
      (len(names), failures))
sys.exit(1 if failures else 0)
