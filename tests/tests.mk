# Test targets, included by the top-level Makefile.
#
#   tests/unit/test_*.c   cmocka, no root: linked with every non-main object of
#                         the tools and libptcopy, built with ASan+UBSan
#   tests/bpf/test_*.c    cmocka, root: BPF programs driven by BPF_PROG_TEST_RUN
#                         with exact synthetic inputs, also sanitized
#   tests/host/*.sh       integration on this host's kernel (root)
#   tests/vm/             the VM suites on patched and unpatched kernels
#                         (scripts/vm/vmtest.sh)
#
#   make check            kernel C style: checkpatch.pl --no-tree on every .c
#                         and .h (scripts/check-style.sh), also make test's
#                         first suite
#
# `make test` runs them all through tests/run.sh; TESTS=style,unit,bpf,host,vm
# picks some.

SAN_OUTPUT := $(OUTPUT)/san
TOOL_OBJS := $(filter-out %/main.o,$(PTCOPY_OBJS) $(EXPORTER_OBJS))
UNIT_TESTS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/unit/%,$(wildcard tests/unit/test_*.c))
BPF_TESTS := $(patsubst tests/bpf/%.c,$(OUTPUT)/tests/bpf/%,$(wildcard tests/bpf/test_*.c))
TEST_LIBS := $(LIBS_BPF) $(LIBS_EXPORTER) -lcmocka -lpthread

# BPF objects only tests load (tests/bpf/*.bpf.c, which may include the
# tools' own): their skeletons go next to the tools'.
TEST_BPF_SKELS := $(patsubst tests/bpf/%.bpf.c,$(OUTPUT)/skel/%.skel.h,$(wildcard tests/bpf/*.bpf.c))

$(OUTPUT)/bpf/%.tmp.bpf.o: tests/bpf/%.bpf.c $(BPF_SRCS) $(wildcard bpf/*.h) \
		$(wildcard bpf/vmlinux/$(ARCH)/vmlinux.h)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/obj/tests/%.o: tests/%.c $(SKELS) $(TEST_BPF_SKELS) $(OUTPUT)/gen/client_model.pb-c.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -I tests/include -I userspace/ptcopy -I userspace/exporter \
		-DDOC_DIR='"$(OUTPUT)/doc"' -c $< -o $@

$(OUTPUT)/tests/unit/%: $(OUTPUT)/obj/tests/unit/%.o $(TOOL_OBJS) $(OUTPUT)/libptcopy.a
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $^ $(TEST_LIBS) -o $@

$(OUTPUT)/tests/bpf/%: $(OUTPUT)/obj/tests/bpf/%.o $(OUTPUT)/obj/tests/bpf/testrun.o \
		$(TOOL_OBJS) $(OUTPUT)/libptcopy.a
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $^ $(TEST_LIBS) -o $@

.PHONY: check
check:
	$(Q)scripts/check-style.sh

.PHONY: test-bins
test-bins: $(UNIT_TESTS) $(BPF_TESTS) $(DOCS)

# Each phase's wall time goes to $(PHASE_TIMES) ("PHASE SECONDS" lines);
# tests/run.sh adds its own and prints them all at the end.
PHASE_TIMES := $(OUTPUT)/phase-times.txt
# timed PHASE COMMAND: run COMMAND, append its wall time to $(PHASE_TIMES)
timed = t0=$$(date +%s); $(2) && echo "$(1) $$(( $$(date +%s) - t0 ))" >> $(PHASE_TIMES)

.PHONY: test
test:
	$(Q)mkdir -p $(OUTPUT) && : > $(PHASE_TIMES)
	$(Q)$(call timed,deps,$(MAKE) --no-print-directory deps-test)
	$(Q)$(call timed,build,$(MAKE) --no-print-directory all static)
	$(Q)$(call timed,build-arm64,$(MAKE) --no-print-directory ARCH=arm64 OUTPUT=build/arm64 all static)
	$(Q)$(call timed,build-sanitized,$(MAKE) --no-print-directory OUTPUT=$(SAN_OUTPUT) SANITIZE=1 all test-bins)
	$(Q)BUILD=$(OUTPUT) SAN_BUILD=$(SAN_OUTPUT) PHASE_TIMES=$(PHASE_TIMES) tests/run.sh

.PHONY: vmtest
vmtest: deps-test
	$(Q)$(MAKE) --no-print-directory all static
	$(Q)KERNEL="$(KERNEL)" scripts/vm/vmtest.sh

# The inline tier's fixture dumper: tests/fixtures/inline/regen.sh runs it in
# a guest, and the inline VM suite checks with it that the live text read by
# BPF is /proc/kcore's.
.PHONY: static
static: $(OUTPUT)/static/inline-dump

$(OUTPUT)/static/inline-dump: tests/fixtures/inline/inline-dump.c $(OUTPUT)/libptcopy.a
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(filter-out -MMD -MP,$(ALL_CFLAGS)) -static $^ $(LIBS_BPF_STATIC) -o $@
