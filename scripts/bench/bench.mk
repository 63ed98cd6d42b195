# `make bench`: what ptcopy costs the whole host (scripts/bench/bench.sh,
# docs/PERFORMANCE.md). BENCH_ARGS passes options, e.g. BENCH_ARGS=--smoke.

$(OUTPUT)/hotpath: scripts/bench/hotpath.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O2 $(WARN) -std=gnu11 -D_GNU_SOURCE $< -lpthread -o $@

.PHONY: bench
bench: deps-test
	$(Q)$(MAKE) --no-print-directory all $(OUTPUT)/hotpath $(OUTPUT)/handler-cost $(OUTPUT)/render-cost
	$(Q)BUILD=$(OUTPUT) scripts/bench/bench.sh $(BENCH_ARGS)

# Per-event cost of the frame's hot handlers (BPF_PROG_TEST_RUN + bpf_stats)
all: $(OUTPUT)/handler-cost

$(OUTPUT)/handler-cost: scripts/bench/handler-cost.c $(OUTPUT)/skel/frame_calls.skel.h $(OUTPUT)/libptcopy.a
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $< $(OUTPUT)/libptcopy.a $(LIBS_BPF) -o $@

# hotpath for the VM initramfs: tests/vm/bench runs it in the guest
.PHONY: static
static: $(OUTPUT)/static/hotpath

$(OUTPUT)/static/hotpath: scripts/bench/hotpath.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -static -O2 $(WARN) -std=gnu11 -D_GNU_SOURCE $< -lpthread -o $@

# The benchmark under qemu TCG, full rounds (tests/vm/bench; BENCH_VM_ROUNDS,
# default 10): Debian's 6.1 and 6.12 kernels (tiers 2 and 3, frames, the
# exporter) and the patched lab kernels (tier 1, built or taken from the
# cache), each next to its bpftrace equivalent: one report per boot. Then
# the patch's own cost, its events off: boots of the patched and unpatched
# lab kernel of BENCH_PATCH_KERNEL (default 6.1) alternated, fork latency
# (scripts/bench/patch-cost.sh, BENCH_VM_ROUNDS rounds). Every boot runs
# under qemu's -icount with one vCPU (BENCH_VM_ICOUNT, default
# shift=0,sleep=off; empty for plain TCG): a time is then a count of the
# instructions run, and a ratio repeats to a few parts in 10^4 whatever
# else the host runs, where plain TCG spread it by tens of percent.
BENCH_VM_ICOUNT ?= shift=0,sleep=off
.PHONY: bench-vm
bench-vm:
	$(Q)VMTEST_APPEND="ptcopy.bench=full ptcopy.bench_rounds=$(or $(BENCH_VM_ROUNDS),10)" \
		VMTEST_TIMEOUT=$(or $(BENCH_VM_TIMEOUT),7200) VMTEST_ICOUNT=$(BENCH_VM_ICOUNT) \
		scripts/vm/vmtest.sh -k 6.1 -k 6.12 -V patched -V distro bench; \
	rc=$$?; for b in 6.1-patched 6.1-distro 6.12-patched 6.12-distro; do \
		[ -s build/vm/$$b/bench/report.txt ] && cat build/vm/$$b/bench/report.txt; \
	done; \
	VMTEST_ICOUNT=$(BENCH_VM_ICOUNT) scripts/bench/patch-cost.sh -k $(or $(BENCH_PATCH_KERNEL),6.1) \
		-r $(or $(BENCH_VM_ROUNDS),10) || rc=1; exit $$rc

# What one scrape's exposition costs to build (metrics_render, no HTTP)
all: $(OUTPUT)/render-cost

$(OUTPUT)/render-cost: $(OUTPUT)/obj/bench/render-cost.o \
		$(filter-out %/main.o,$(EXPORTER_OBJS)) $(OUTPUT)/libptcopy.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LIBS_BPF) $(LIBS_EXPORTER) -o $@

$(OUTPUT)/obj/bench/render-cost.o: scripts/bench/render-cost.c $(OUTPUT)/gen/client_model.pb-c.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -I userspace/exporter -c $< -o $@
