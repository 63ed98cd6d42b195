# Read a tracefs text trace with the copy_pte events and the workloads'
# trace_marker lines; check that every task's events follow the code of
# copy_pte_range() (the grammar below), and count what happened per fork.
# POSIX awk (mawk, busybox awk): no gawk extensions.
#
# usage: awk -f copy_pte.awk [-v map_start=0x.. -v map_end=0x..] [-v by=comm] trace.txt
#
# A fork is the span between a workload's markers "<name> fork=I begin" and
# "<name> fork=I end", for the events of the task that wrote them. With
# by=comm, counts are per task name instead ("fork=<comm>"), as ptcopy
# labels them. Output:
#   error: <line>: <what>                    one per grammar violation
#   fork=I key=value ...                     counts per fork ("fork=-" outside any)
#   total grammar_errors=N events=N unfinished=N
#
# The grammar of one task, from copy_pte_range()'s code:
#   pass:   pass_start [locked loop_end unlocked resched [swap_cont] [prealloc_fail]]
#   call:   pass(first) { pass(retry) } return
# where a retry's reason follows from how the pass before it stopped
# (need_resched, src/dst_contended -> lock_break; swap_cont with ret 0 ->
# swap_cont; prealloc -> prealloc) and starts where it stopped; done,
# device_busy and hwpoison stops, a failed continuation and a failed
# prealloc end the call. A pass that never takes the parent's lock
# (allocation failure; 6.12's pte_offset_map_nolock() == NULL) goes
# straight from pass_start to return.

function hex(s,    v, i) {
	s = tolower(s)
	sub(/^0x/, "", s)
	v = 0
	for (i = 1; i <= length(s); i++)
		v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
	return v
}

function err(what) {
	errors++
	print "error: " NR ": pid " pid ": " ev ": " what
	state[pid] = "idle"
}

function count(name, n) {
	if (n == "")
		n = 1
	C[fk, name] += n
	if (!((fk, "seen") in C)) {
		C[fk, "seen"] = 1
		forks[++nforks] = fk
	}
}

function retry_reason(stop) {
	if (stop == "need_resched" || stop == "src_contended" || stop == "dst_contended")
		return "lock_break"
	if (stop == "swap_cont" || stop == "prealloc")
		return stop
	return ""
}

BEGIN {
	ms = map_start == "" ? -1 : hex(map_start)
	me = map_end == "" ? -1 : hex(map_end)
	keys = "passes first first_in_map retry_lock_break retry_swap_cont retry_prealloc"
	keys = keys " nolock_pass locked unlocked resched rescheduled"
	keys = keys " stop_done stop_need_resched stop_src_contended stop_dst_contended"
	keys = keys " stop_swap_cont stop_device_busy stop_prealloc stop_hwpoison"
	keys = keys " swap_cont_ok swap_cont_fail prealloc_fail return return_ok return_err"
	keys = keys " hold_max_us hold_total_us wait_max_us ptes"
	nkeys = split(keys, K, " ")
}

/^#/ { next }

{
	if (!match($0, /-[0-9]+ +\[[0-9]+\]/))
		next
	pid = substr($0, RSTART + 1, RLENGTH - 1) + 0
	comm = substr($0, 1, RSTART - 1)
	sub(/^ +/, "", comm)
	if (!match($0, / [0-9]+\.[0-9]+: [a-z_]+: /))
		next
	head = substr($0, RSTART + 1, RLENGTH - 3)
	rest = substr($0, RSTART + RLENGTH)
	split(head, h, ": ")
	ts = h[1] * 1000000		# microseconds
	ev = h[2]

	if (ev == "tracing_mark_write") {
		n = split(rest, w, " ")
		if (n == 3 && w[2] ~ /^fork=[0-9]+$/) {
			if (w[3] == "begin")
				cur[pid] = substr(w[2], 6)
			else if (w[3] == "end")
				cur[pid] = ""
		}
		next
	}
	if (ev !~ /^copy_pte_/)
		next
	ev = substr(ev, 10)
	events++
	fk = (pid in cur) && cur[pid] != "" ? cur[pid] : "-"
	if (by == "comm")
		fk = comm
	delete f
	n = split(rest, w, " ")
	for (i = 1; i <= n; i++) {
		eq = index(w[i], "=")
		if (eq)
			f[substr(w[i], 1, eq - 1)] = substr(w[i], eq + 1)
	}
	s = (pid in state) ? state[pid] : "idle"

	if (ev == "pass_start") {
		if (s == "idle") {
			if (f["reason"] != "first")
				err("reason=" f["reason"] " without a pass that stopped before it")
		} else if (s == "resched" || s == "cont") {
			want = retry_reason(stop[pid])
			if (s == "cont" && cont_ret[pid] != 0)
				want = ""
			if (want == "")
				err("retry after stop=" stop[pid] (s == "cont" ? " and swap_cont ret=" cont_ret[pid] : "") ", which must return")
			else if (f["reason"] != want)
				err("reason=" f["reason"] " after stop=" stop[pid] ", want " want)
			else if (f["addr"] != at[pid] || f["end"] != pend[pid])
				err("retry at " f["addr"] "-" f["end"] ", previous pass stopped at " at[pid] "-" pend[pid])
		} else
			err("after " s)
		count("passes")
		if (f["reason"] == "first") {
			count("first")
			a = hex(f["addr"])
			if (a >= ms && a < me)
				count("first_in_map")
		} else
			count("retry_" f["reason"])
		state[pid] = "started"
		paddr[pid] = f["addr"]
		pend[pid] = f["end"]
		t_start[pid] = ts
		next
	}
	if (ev == "locked") {
		if (s != "started")
			err("after " s)
		else if (f["addr"] != paddr[pid])
			err("addr=" f["addr"] ", pass started at " paddr[pid])
		else {
			count("locked")
			if (ts - t_start[pid] > C[fk, "wait_max_us"])
				C[fk, "wait_max_us"] = ts - t_start[pid]
			t_lock[pid] = ts
			state[pid] = "locked"
		}
		next
	}
	if (ev == "loop_end") {
		if (s != "locked")
			err("after " s)
		else if (f["start"] != paddr[pid] || f["end"] != pend[pid])
			err("range " f["start"] "-" f["end"] ", pass is " paddr[pid] "-" pend[pid])
		else if ((f["stop"] == "done") != (f["addr"] == f["end"]))
			err("stop=" f["stop"] " at addr=" f["addr"] " end=" f["end"])
		else if (hex(f["addr"]) < hex(f["start"]) || hex(f["addr"]) > hex(f["end"]))
			err("addr=" f["addr"] " outside " f["start"] "-" f["end"])
		else {
			count("stop_" f["stop"])
			count("ptes", (hex(f["addr"]) - hex(f["start"])) / 4096)
			if (f["stop"] == "prealloc")
				L[fk, "prealloc_at"] = L[fk, "prealloc_at"] "," f["addr"]
			if (f["stop"] == "swap_cont")
				L[fk, "swap_cont_at"] = L[fk, "swap_cont_at"] "," f["addr"]
			stop[pid] = f["stop"]
			at[pid] = f["addr"]
			state[pid] = "ended"
		}
		next
	}
	if (ev == "unlocked") {
		if (s != "ended")
			err("after " s)
		else if (f["addr"] != at[pid])
			err("addr=" f["addr"] ", loop ended at " at[pid])
		else {
			count("unlocked")
			hold = ts - t_lock[pid]
			count("hold_total_us", hold)
			if (hold > C[fk, "hold_max_us"])
				C[fk, "hold_max_us"] = hold
			state[pid] = "unlocked"
		}
		next
	}
	if (ev == "resched") {
		if (s != "unlocked")
			err("after " s)
		else if (f["addr"] != at[pid])
			err("addr=" f["addr"] ", loop ended at " at[pid])
		else if (f["rescheduled"] != "0" && f["rescheduled"] != "1")
			err("rescheduled=" f["rescheduled"])
		else {
			count("resched")
			count("rescheduled", f["rescheduled"] + 0)
			state[pid] = "resched"
		}
		next
	}
	if (ev == "swap_cont") {
		if (s != "resched" || stop[pid] != "swap_cont")
			err("after " s " with stop=" stop[pid])
		else if (f["addr"] != at[pid])
			err("addr=" f["addr"] ", loop ended at " at[pid])
		else {
			cont_ret[pid] = f["ret"] + 0
			count(cont_ret[pid] == 0 ? "swap_cont_ok" : "swap_cont_fail")
			state[pid] = "cont"
		}
		next
	}
	if (ev == "prealloc_fail") {
		if (s != "resched" || stop[pid] != "prealloc")
			err("after " s " with stop=" stop[pid])
		else {
			count("prealloc_fail")
			state[pid] = "pfail"
		}
		next
	}
	if (ev == "return") {
		r = f["ret"] + 0
		if (s == "started") {
			if (r != 0 && r != -12)
				err("ret=" r " from a pass without the lock")
			else if (f["addr"] != paddr[pid] || f["end"] != pend[pid])
				err("at " f["addr"] "-" f["end"] ", pass is " paddr[pid] "-" pend[pid])
			else
				count("nolock_pass")
		} else if (s == "resched") {
			want = stop[pid] == "done" ? 0 : stop[pid] == "device_busy" ? -16 : stop[pid] == "hwpoison" ? -133 : "retry"
			if (r != want)
				err("ret=" r " after stop=" stop[pid] ", want " want)
		} else if (s == "cont") {
			if (cont_ret[pid] == 0 || r != -12)
				err("ret=" r " after swap_cont ret=" cont_ret[pid])
		} else if (s == "pfail") {
			if (r != -12)
				err("ret=" r " after prealloc_fail")
		} else
			err("after " s)
		if (s != "started" && s != "idle" && (f["addr"] != at[pid] || f["end"] != pend[pid]))
			err("at " f["addr"] "-" f["end"] ", loop ended at " at[pid] "-" pend[pid])
		count("return")
		count(r == 0 ? "return_ok" : "return_err")
		state[pid] = "idle"
		next
	}
	err("unknown event")
}

END {
	for (p in state)
		if (state[p] != "idle")
			unfinished++
	for (i = 1; i <= nforks; i++) {
		fk = forks[i]
		line = "fork=" fk
		for (k = 1; k <= nkeys; k++)
			line = line sprintf(" %s=%.0f", K[k], C[fk, K[k]])
		line = line " prealloc_at=" (L[fk, "prealloc_at"] == "" ? "-" : substr(L[fk, "prealloc_at"], 2))
		line = line " swap_cont_at=" (L[fk, "swap_cont_at"] == "" ? "-" : substr(L[fk, "swap_cont_at"], 2))
		print line
	}
	printf "total grammar_errors=%d events=%d unfinished=%d\n", errors, events, unfinished
}
