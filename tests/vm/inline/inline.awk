# The inline suite's trace (tracefs kprobes at the inline sites, see
# lib.sh) folded into one line per copy_page_range/copy_pte_range call:
#   call fork=I pid=P vm_start=0x.. vm_end=0x.. passes=N retries=R locked=N
#        parent_unlock=N unlock=N resched=N nolock=N order_errors=N
#        hold_ns=H wait_ns=W resched_ns=S dur_ns=D ret=E
#        hold_med_ns=M rest_med_ns=R
# A pass is pass -> child_locked -> locked -> parent_unlock -> unlock ->
# resched -> retry (or an exit); a step out of that order counts in
# order_errors. retries: retry jumps taken (jne: ZF clear). wait_ns: from
# "again:" to the parent's lock taken (the child's PTE table allocated,
# both locks taken), as the patched tier's wait. resched_ns:
# from the child's unlock call to cond_resched's return, where the task may
# have slept (the static call itself cannot be probed). hold_med_ns and
# rest_med_ns: the medians over the call's passes of the hold and of the
# rest of the pass (from its start to the next pass's, or to the return),
# robust where a few passes stall (a busy host stops the TCG guest's vCPU
# while its clock runs on). Times come from
# the global trace clock (microseconds in the text).
# mawk has no strtonum/and: "0x246" by hand
function hex(s,   i, v) {
	v = 0
	s = tolower(s)
	sub(/^0x/, "", s)
	for (i = 1; i <= length(s); i++)
		v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
	return v
}
# median(a, n): of a[1..n], sorted in place (insertion sort: n is passes)
function median(a, n,   i, j, v) {
	if (n == 0)
		return 0
	for (i = 2; i <= n; i++) {
		v = a[i]
		for (j = i - 1; j >= 1 && a[j] > v; j--)
			a[j + 1] = a[j]
		a[j + 1] = v
	}
	return a[int((n + 1) / 2)]
}
# end_pass(pid, t): the pass in progress ended at t
function end_pass(p, t) {
	if (!pass_at[p])
		return
	np[p]++
	ph[p, np[p]] = this_hold[p]
	pr[p, np[p]] = t - pass_at[p] - this_hold[p]
}
function ns(ts) { sub(/:$/, "", ts); split(ts, p, "."); return p[1] * 1000000000 + p[2] * 1000 }
function field(name,   i) {
	for (i = 1; i <= NF; i++)
		if (index($i, name "=") == 1)
			return substr($i, length(name) + 2)
	return ""
}
function step(want, next_state) {
	if (state[pid] != want)
		c_order[pid]++
	state[pid] = next_state
}
/tracing_mark_write: ptfork fork=[0-9]+ begin/ {
	for (i = 1; i <= NF; i++)
		if ($i ~ /^fork=/)
			fork = substr($i, 6)
	next
}
/: (call|ret|pass|child_locked|locked|parent_unlock|unlock|resched|retry): \(/ {
	# "comm-pid [cpu] flags ts: event: (site) args"
	for (i = 1; i <= NF; i++)
		if ($i ~ /^[0-9]+\.[0-9]+:$/)
			break
	if (i > NF)
		next
	t = ns($i)
	ev = $(i + 1)
	sub(/:$/, "", ev)
	pid = $1
	sub(/.*-/, "", pid)
	if (ev == "call") {
		in_call[pid] = 1
		c_start[pid] = t
		c_vms[pid] = field("vm_start"); c_vme[pid] = field("vm_end")
		c_pass[pid] = c_retry[pid] = c_locked[pid] = c_punlock[pid] = 0
		c_unlock[pid] = c_resched[pid] = c_nolock[pid] = c_order[pid] = c_hold[pid] = c_rs[pid] = c_wait[pid] = 0
		c_fork[pid] = fork
		state[pid] = "idle"
		np[pid] = pass_at[pid] = 0
		next
	}
	if (!in_call[pid])
		next
	if (ev == "pass") {
		if (state[pid] != "idle" && state[pid] != "retry")
			c_order[pid]++
		state[pid] = "pass"
		c_pass[pid]++
		end_pass(pid, t)
		pass_at[pid] = t
		this_hold[pid] = 0
	} else if (ev == "child_locked") {
		step("pass", "child")
	} else if (ev == "locked") {
		step("child", "locked")
		c_locked[pid]++
		locked_at[pid] = t
		c_wait[pid] += t - pass_at[pid]
	} else if (ev == "parent_unlock") {
		step("locked", "punlock")
		c_punlock[pid]++
	} else if (ev == "unlock") {
		step("punlock", "unlocked")
		c_unlock[pid]++
		c_hold[pid] += t - locked_at[pid]
		this_hold[pid] = t - locked_at[pid]
		unlock_at[pid] = t
	} else if (ev == "resched") {
		step("unlocked", "resched")
		c_resched[pid]++
		c_rs[pid] += t - unlock_at[pid]
	} else if (ev == "retry") {
		step("resched", "retry")
		# jne "again" is taken when ZF (0x40) is clear
		if (int(hex(field("flags")) / 64) % 2 == 0)
			c_retry[pid]++
		else
			state[pid] = "idle"
	} else if (ev == "ret") {
		in_call[pid] = 0
		end_pass(pid, t)
		for (k = 1; k <= np[pid]; k++) {
			hs[k] = ph[pid, k]
			rs[k] = pr[pid, k]
		}
		printf "call fork=%s pid=%s vm_start=%s vm_end=%s passes=%d retries=%d locked=%d parent_unlock=%d unlock=%d resched=%d order_errors=%d hold_ns=%d wait_ns=%d resched_ns=%d dur_ns=%d ret=%s hold_med_ns=%d rest_med_ns=%d\n",
			c_fork[pid], pid, c_vms[pid], c_vme[pid], c_pass[pid], c_retry[pid],
			c_locked[pid], c_punlock[pid], c_unlock[pid], c_resched[pid], c_order[pid],
			c_hold[pid], c_wait[pid], c_rs[pid], t - c_start[pid], field("ret"),
			median(hs, np[pid]), median(rs, np[pid])
	}
}
