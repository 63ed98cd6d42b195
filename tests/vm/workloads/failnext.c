// SPDX-License-Identifier: GPL-2.0
/*
 * failnext: run a command, and make the first page allocation that each
 * call of FUNC makes in it fail, COUNT times in all.
 *
 * usage: failnext FUNC COUNT -- COMMAND [ARG...]
 *
 * The kernel's own fault injection cannot be aimed this narrowly everywhere
 * we need it: its stack-trace filter does not exist on 6.1 x86-64, and
 * without it fail_page_alloc fails whichever allocation of the task comes
 * first. So two kprobe BPF programs do the aiming:
 *   - on FUNC's entry, in COMMAND's process, arm this thread;
 *   - on should_fail_alloc_page(), which every page allocation calls and
 *     which is on the kernel's error-injection list, disarm the thread and,
 *     while COUNT lasts, override the return value with "fail".
 * FUNC must allocate before it does anything else that allocates pages,
 * which add_swap_count_continuation() does (alloc_page() comes first).
 *
 * The programs are a few instructions, assembled here so that the binary
 * is static and self-contained (no clang, no libbpf). The kprobes detach
 * when this process exits. After COMMAND exits, prints
 *   result: inject_func=FUNC inject_calls=N inject_failed=M
 * (calls of FUNC seen, allocations failed) and exits with its status.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "workload.h"

/* The one map value: what the programs share with us */
struct inject_state {
	uint64_t armed;		/* pid_tgid of the thread inside FUNC, or 0 */
	uint64_t budget;	/* allocations still to fail */
	uint64_t failed;	/* allocations failed */
	uint64_t calls;		/* calls of FUNC seen */
};

#define OFF_ARMED	0
#define OFF_BUDGET	8
#define OFF_FAILED	16
#define OFF_CALLS	24

/* Instruction encoders: just the handful the two programs use */
static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src,
			    int16_t off, int32_t imm)
{
	struct bpf_insn i = {
		.code = code, .dst_reg = dst, .src_reg = src, .off = off,
		.imm = imm,
	};

	return i;
}

#define MOV64_REG(d, s)	insn(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV64_IMM(d, v)	insn(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, v)
#define ADD64_IMM(d, v)	insn(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, v)
#define RSH64_IMM(d, v)	insn(BPF_ALU64 | BPF_RSH | BPF_K, d, 0, 0, v)
#define LDX64(d, s, o)	insn(BPF_LDX | BPF_MEM | BPF_DW, d, s, o, 0)
#define STX64(d, s, o)	insn(BPF_STX | BPF_MEM | BPF_DW, d, s, o, 0)
#define ST32_IMM(d, o, v) insn(BPF_ST | BPF_MEM | BPF_W, d, 0, o, v)
#define JEQ_IMM(d, v, o) insn(BPF_JMP | BPF_JEQ | BPF_K, d, 0, o, v)
#define JNE_IMM(d, v, o) insn(BPF_JMP | BPF_JNE | BPF_K, d, 0, o, v)
#define JNE_REG(d, s, o) insn(BPF_JMP | BPF_JNE | BPF_X, d, s, o, 0)
#define CALL(f)		insn(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define EXIT()		insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
/* r1 = map (two instruction slots) */
#define LD_MAP(fd)	insn(BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_FD, 0, fd), \
			insn(0, 0, 0, 0, 0)

/* r0 = &state, or jump to the program's exit (at insn index "out") */
#define LOOKUP_STATE(map, here, out)					\
	ST32_IMM(10, -4, 0),						\
	MOV64_REG(2, 10),						\
	ADD64_IMM(2, -4),						\
	LD_MAP(map),							\
	CALL(BPF_FUNC_map_lookup_elem),					\
	JEQ_IMM(0, 0, (out) - (here) - 7)

static int bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static int load(const char *name, struct bpf_insn *prog, size_t n)
{
	static char log[65536];
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_KPROBE;
	attr.insns = (uintptr_t)prog;
	attr.insn_cnt = n;
	attr.license = (uintptr_t)"GPL";
	attr.log_buf = (uintptr_t)log;
	attr.log_size = sizeof(log);
	attr.log_level = 1;
	fd = bpf(BPF_PROG_LOAD, &attr);
	if (fd < 0) {
		fprintf(stderr, "failnext: loading the %s program: %s\n%s\n",
			name, strerror(errno), log);
		exit(1);
	}
	return fd;
}

/* A kprobe on @func's entry through the perf kprobe PMU, running @prog */
static int attach_kprobe(const char *func, int prog)
{
	struct perf_event_attr attr;
	char buf[32] = "";
	int type, fd;
	FILE *f;

	f = fopen("/sys/bus/event_source/devices/kprobe/type", "r");
	if (!f || !fgets(buf, sizeof(buf), f))
		die("read /sys/bus/event_source/devices/kprobe/type");
	fclose(f);
	type = atoi(buf);

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = type;
	attr.config1 = (uintptr_t)func;	/* kprobe_func */
	attr.config2 = 0;		/* probe_offset: the entry */
	fd = syscall(__NR_perf_event_open, &attr, -1, 0, -1,
		     PERF_FLAG_FD_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "failnext: kprobe on %s: %s\n", func,
			strerror(errno));
		exit(1);
	}
	if (ioctl(fd, PERF_EVENT_IOC_SET_BPF, prog)) {
		fprintf(stderr, "failnext: attaching to the kprobe on %s: %s\n",
			func, strerror(errno));
		exit(1);
	}
	if (ioctl(fd, PERF_EVENT_IOC_ENABLE, 0))
		die("enable kprobe");
	return fd;
}

int main(int argc, char **argv)
{
	struct inject_state st = { 0 };
	union bpf_attr attr;
	uint32_t key = 0;
	int map, gate[2], status;
	unsigned long count;
	pid_t pid;
	char c;

	if (argc < 5 || strcmp(argv[3], "--")) {
		fprintf(stderr, "usage: failnext FUNC COUNT -- COMMAND [ARG...]\n");
		return 2;
	}
	count = strtoul(argv[2], NULL, 0);

	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = sizeof(key);
	attr.value_size = sizeof(st);
	attr.max_entries = 1;
	map = bpf(BPF_MAP_CREATE, &attr);
	if (map < 0)
		die("create map");

	/* The command's process exists before the kprobes, held at a gate */
	if (pipe(gate))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(gate[1]);
		if (read(gate[0], &c, 1) != 1)
			_exit(127);
		close(gate[0]);
		execvp(argv[4], argv + 4);
		fprintf(stderr, "failnext: exec %s: %s\n", argv[4],
			strerror(errno));
		_exit(127);
	}
	close(gate[0]);

	{
		/* FUNC entered by the command's process: arm this thread */
		struct bpf_insn on_func[] = {
			CALL(BPF_FUNC_get_current_pid_tgid),	/* 0 */
			MOV64_REG(6, 0),
			RSH64_IMM(0, 32),
			JNE_IMM(0, pid, 15 - 3 - 1),
			LOOKUP_STATE(map, 4, 15),		/* 4..10 */
			STX64(0, 6, OFF_ARMED),			/* 11 */
			LDX64(1, 0, OFF_CALLS),
			ADD64_IMM(1, 1),
			STX64(0, 1, OFF_CALLS),			/* 14 */
			MOV64_IMM(0, 0),			/* 15: out */
			EXIT(),
		};
		/* A page allocation: fail it if this thread is armed */
		struct bpf_insn on_alloc[] = {
			MOV64_REG(6, 1),			/* 0 */
			CALL(BPF_FUNC_get_current_pid_tgid),
			MOV64_REG(7, 0),
			LOOKUP_STATE(map, 3, 25),		/* 3..9 */
			MOV64_REG(8, 0),			/* 10 */
			LDX64(1, 8, OFF_ARMED),
			JNE_REG(1, 7, 25 - 12 - 1),
			MOV64_IMM(1, 0),
			STX64(8, 1, OFF_ARMED),
			LDX64(1, 8, OFF_BUDGET),		/* 15 */
			JEQ_IMM(1, 0, 25 - 16 - 1),
			ADD64_IMM(1, -1),
			STX64(8, 1, OFF_BUDGET),
			LDX64(1, 8, OFF_FAILED),
			ADD64_IMM(1, 1),			/* 20 */
			STX64(8, 1, OFF_FAILED),
			MOV64_REG(1, 6),
			MOV64_IMM(2, 1),
			CALL(BPF_FUNC_override_return),		/* 24 */
			MOV64_IMM(0, 0),			/* 25: out */
			EXIT(),
		};
		int pf, pa;

		/* Indices above count LD_MAP as two slots; check the layout */
		if (sizeof(on_func) / sizeof(on_func[0]) != 17 ||
		    sizeof(on_alloc) / sizeof(on_alloc[0]) != 27) {
			fprintf(stderr, "failnext: program layout changed\n");
			return 1;
		}
		st.budget = count;
		memset(&attr, 0, sizeof(attr));
		attr.map_fd = map;
		attr.key = (uintptr_t)&key;
		attr.value = (uintptr_t)&st;
		if (bpf(BPF_MAP_UPDATE_ELEM, &attr))
			die("set budget");
		pf = load("FUNC-entry", on_func,
			  sizeof(on_func) / sizeof(on_func[0]));
		pa = load("should_fail_alloc_page",
			  on_alloc, sizeof(on_alloc) / sizeof(on_alloc[0]));
		attach_kprobe(argv[1], pf);
		attach_kprobe("should_fail_alloc_page", pa);
	}

	if (write(gate[1], "g", 1) != 1)
		die("open the gate");
	close(gate[1]);
	if (waitpid(pid, &status, 0) != pid)
		die("waitpid");

	memset(&attr, 0, sizeof(attr));
	attr.map_fd = map;
	attr.key = (uintptr_t)&key;
	attr.value = (uintptr_t)&st;
	if (bpf(BPF_MAP_LOOKUP_ELEM, &attr))
		die("read the counters");
	printf("result: inject_func=%s inject_calls=%llu inject_failed=%llu\n",
	       argv[1], (unsigned long long)st.calls,
	       (unsigned long long)st.failed);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
