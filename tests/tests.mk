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
# `make test` runs them all through tests/run.sh; TESTS=unit,bpf,host,vm
# picks some.

SAN_OUTPUT := $(OUTPUT)/san
TOOL_OBJS := $(filter-out %/main.o,$(PTCOPY_OBJS) $(EXPORTER_OBJS))
UNIT_TESTS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/unit/%,$(wildcard tests/unit/test_*.c))
BPF_TESTS := $(patsubst tests/bpf/%.c,$(OUTPUT)/tests/bpf/%,$(wildcard tests/bpf/test_*.c))
TEST_LIBS := $(LIBS_BPF) -lmicrohttpd -lcmocka -lpthread

$(OUTPUT)/obj/tests/%.o: tests/%.c $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -I tests/include -I userspace/ptcopy -I userspace/exporter -c $< -o $@

$(OUTPUT)/tests/unit/%: $(OUTPUT)/obj/tests/unit/%.o $(TOOL_OBJS) $(OUTPUT)/libptcopy.a
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $^ $(TEST_LIBS) -o $@

$(OUTPUT)/tests/bpf/%: $(OUTPUT)/obj/tests/bpf/%.o $(OUTPUT)/obj/tests/bpf/testrun.o \
		$(TOOL_OBJS) $(OUTPUT)/libptcopy.a
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $^ $(TEST_LIBS) -o $@

.PHONY: test-bins
test-bins: $(UNIT_TESTS) $(BPF_TESTS)

.PHONY: test
test: deps-test
	$(Q)$(MAKE) --no-print-directory all static
	$(Q)$(MAKE) --no-print-directory OUTPUT=$(SAN_OUTPUT) SANITIZE=1 all test-bins
	$(Q)BUILD=$(OUTPUT) SAN_BUILD=$(SAN_OUTPUT) tests/run.sh

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
