#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Check a ptcopy --record file: valid against the Trace Event Format's
schema (tests/include/trace-event.schema.json) and nested as ptcopy's
timeline must be, per fork (a window on the forker's track):
  - each mapping (cat vma) inside its fork's window, none overlapping
    another, their durations summed at most the window's;
  - each pass inside the window and, where mappings are recorded, inside
    one mapping; passes never overlap;
  - each lock_break and retry instant inside its window;
  - each stall inside a window of its process (pid), on another thread;
  - every track with an event named by a thread_name event, every process
    by a process_name event.
Prints one JSON object on stdout: counts by category (all, and per comm
of --comm), the forks (windows) by comm, and with --passes COMM the pass
slices of COMM's forks as [start, end] address pairs. With --kernel-trace
TRACE (tracefs text of the patched kernel's copy_pte events) as well, the
passes must be exactly the trace's copy_pte_pass_start events (addr, end)
of COMM, as many of each.

usage: trace_check.py [--comm COMM] [--passes COMM [--kernel-trace TRACE]] FILE
Exits 1 with one line per problem (at most 20) on stderr if it does not
hold; 2 if the file cannot be read.
"""
import argparse
import collections
import json
import os
import sys

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "trace-event.schema.json")
# timestamps are microseconds with three decimals: compare in nanoseconds
NS = 1000


def ns(v):
    return round(v * NS)


def kernel_passes(path, comm):
    """The (addr, end) of every copy_pte_pass_start of comm in a tracefs text."""
    out = collections.Counter()
    with open(path) as f:
        for line in f:
            if "copy_pte_pass_start:" not in line or not line.lstrip().startswith(comm + "-"):
                continue
            kv = dict(w.split("=", 1) for w in line.split("copy_pte_pass_start:")[1].split() if "=" in w)
            out[(int(kv["addr"], 16), int(kv["end"], 16))] += 1
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--comm", action="append", default=[])
    ap.add_argument("--passes")
    ap.add_argument("--kernel-trace")
    ap.add_argument("file")
    a = ap.parse_args()
    try:
        with open(a.file) as f:
            doc = json.load(f)
        with open(SCHEMA) as f:
            schema = json.load(f)
    except (OSError, ValueError) as e:
        print(f"trace_check.py: {a.file}: {e}", file=sys.stderr)
        return 2
    problems = []
    err = best_match(Draft202012Validator(schema).iter_errors(doc))
    if err is not None:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err.absolute_path)
        problems.append(f"schema: ${where}: {err.message}")
        print("\n".join(problems), file=sys.stderr)
        return 1

    evs = doc["traceEvents"]
    named_threads = {(e["pid"], e["tid"]) for e in evs if e["ph"] == "M" and e["name"] == "thread_name"}
    named_procs = {e["pid"] for e in evs if e["ph"] == "M" and e["name"] == "process_name"}
    tracks = collections.defaultdict(list)
    for e in evs:
        if e["ph"] != "M":
            tracks[(e["pid"], e["tid"])].append(e)

    windows = collections.defaultdict(list)   # pid -> [(start, end, tid, comm)]
    for (pid, tid), t in tracks.items():
        for e in t:
            if e.get("cat") == "window":
                windows[pid].append((ns(e["ts"]), ns(e["ts"]) + ns(e["dur"]), tid, e["args"]["comm"]))

    def window_of(pid, tid, start, end):
        for w in windows.get(pid, []):
            if w[2] == tid and w[0] <= start and end <= w[1]:
                return w
        return None

    counts = collections.Counter()
    per_comm = {c: collections.Counter() for c in a.comm}
    forks = collections.Counter(w[3] for ws in windows.values() for w in ws)
    passes = []
    vma_sum = collections.Counter()
    for (pid, tid), t in tracks.items():
        if (pid, tid) not in named_threads:
            problems.append(f"track {pid}/{tid} has no thread_name")
        if pid not in named_procs and any(e.get("cat") == "window" for e in t):
            problems.append(f"process {pid} has no process_name")
        vmas = sorted((ns(e["ts"]), ns(e["ts"]) + ns(e["dur"])) for e in t if e.get("cat") == "vma")
        for x, y in zip(vmas, vmas[1:]):
            if y[0] < x[1]:
                problems.append(f"mappings overlap on {pid}/{tid} at {y[0]} ns")
        pl = sorted((ns(e["ts"]), ns(e["ts"]) + ns(e["dur"])) for e in t if e.get("cat") == "pass")
        for x, y in zip(pl, pl[1:]):
            if y[0] < x[1]:
                problems.append(f"passes overlap on {pid}/{tid} at {y[0]} ns")
        for e in t:
            cat = e.get("cat", "")
            counts[cat] += 1
            start = ns(e["ts"])
            end = start + ns(e.get("dur", 0))
            if cat == "stall":
                ws = [w for w in windows.get(pid, []) if w[0] <= start and end <= w[1] and w[2] != tid]
                if not ws:
                    problems.append(f"stall of {pid}/{tid} at {start} ns in no window of its process")
                elif ws[0][3] in per_comm:
                    per_comm[ws[0][3]][cat] += 1
                continue
            w = window_of(pid, tid, start, end)
            if w and w[3] in per_comm:
                per_comm[w[3]][cat] += 1
            if cat == "window":
                continue
            if w is None:
                problems.append(f"{cat} of {pid}/{tid} at {start} ns outside every window")
                continue
            if cat == "vma":
                vma_sum[w] += end - start
            if cat == "pass":
                if vmas and not any(v[0] <= start and end <= v[1] for v in vmas):
                    problems.append(f"pass of {pid}/{tid} at {start} ns in no mapping")
                if w[3] == a.passes and "start" in e["args"]:
                    passes.append([e["args"]["start"], e["args"]["end"]])
    for w, s in vma_sum.items():
        if s > w[1] - w[0]:
            problems.append(f"mappings of the window at {w[0]} ns sum to {s} ns, more than its {w[1] - w[0]}")
    if a.kernel_trace:
        kernel = kernel_passes(a.kernel_trace, a.passes)
        ours = collections.Counter(tuple(p) for p in passes)
        for p in sorted(set(kernel) | set(ours)):
            if kernel[p] != ours[p]:
                problems.append(f"pass {p[0]:#x}-{p[1]:#x}: {ours[p]} in the file, {kernel[p]} in the kernel's trace")
        if not kernel:
            problems.append(f"no copy_pte_pass_start of {a.passes} in {a.kernel_trace}")
    if problems:
        print("\n".join(problems[:20]), file=sys.stderr)
        return 1
    out = {"counts": counts, "forks": forks, "comm": per_comm, "other": doc.get("otherData")}
    if a.passes:
        out["passes"] = sorted(passes)
    json.dump(out, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
