# `make bench`: what ptcopy costs the whole host (scripts/bench/bench.sh,
# docs/PERFORMANCE.md). BENCH_ARGS passes options, e.g. BENCH_ARGS=--smoke.

$(OUTPUT)/hotpath: scripts/bench/hotpath.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O2 $(WARN) -std=gnu11 -D_GNU_SOURCE $< -lpthread -o $@

.PHONY: bench
bench: deps-test
	$(Q)$(MAKE) --no-print-directory all $(OUTPUT)/hotpath
	$(Q)BUILD=$(OUTPUT) scripts/bench/bench.sh $(BENCH_ARGS)
