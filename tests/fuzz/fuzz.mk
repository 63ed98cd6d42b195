# libFuzzer targets (clang 14, -fsanitize=fuzzer,address,undefined), one per
# parser: the web config, both tools' command lines, content negotiation,
# the cgroup reader and the mountinfo reader. Included by the top-level
# Makefile.
#
#   make fuzz          build, then a campaign of FUZZ_SECONDS (default 600)
#                      shared by the targets, from tests/fuzz/corpus/<target>/;
#                      new inputs go to $(OUTPUT)/fuzz/work/<target>/, crashes
#                      to $(OUTPUT)/fuzz/crash-<target>-*; a summary at the end
#   make fuzz-short    a few seconds per target (FUZZ_SHORT_SECONDS); part of make test
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 600
FUZZ_SHORT_SECONDS ?= 5
FUZZ_OUT := $(OUTPUT)/fuzz
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -I userspace/lib -I userspace/exporter \
	-I userspace/ptcopy -I bpf -I tests/fuzz
FUZZ_TARGETS := webconfig exporter_flags ptcopy_options negotiate mountinfo cgroup

FUZZ_SRCS_webconfig := userspace/exporter/webconfig.c
FUZZ_LIBS_webconfig := -lyaml -lcrypt
FUZZ_SRCS_exporter_flags := userspace/exporter/flags.c userspace/exporter/listen.c \
	userspace/lib/args.c userspace/lib/log.c userspace/lib/tier.c userspace/lib/frame.c \
	userspace/lib/ksyms.c
FUZZ_LIBS_exporter_flags := $(LIBS_BPF)
FUZZ_SRCS_ptcopy_options := userspace/ptcopy/options.c userspace/lib/args.c \
	userspace/lib/log.c userspace/lib/tier.c userspace/lib/frame.c userspace/lib/ksyms.c
FUZZ_LIBS_ptcopy_options := $(LIBS_BPF)
FUZZ_SRCS_negotiate := userspace/exporter/negotiate.c
FUZZ_SRCS_mountinfo := userspace/exporter/cgroup_names.c userspace/lib/log.c
FUZZ_LIBS_mountinfo := $(LIBS_BPF)
FUZZ_SRCS_cgroup := userspace/exporter/cgroup_names.c userspace/lib/log.c
FUZZ_LIBS_cgroup := $(LIBS_BPF)

FUZZ_BINS := $(patsubst %,$(FUZZ_OUT)/fuzz_%,$(FUZZ_TARGETS))

.SECONDEXPANSION:
$(FUZZ_OUT)/fuzz_%: tests/fuzz/fuzz_%.c $$(FUZZ_SRCS_$$*) tests/fuzz/argv.h $(SKELS)
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -I $(OUTPUT)/skel $< $(FUZZ_SRCS_$*) $(FUZZ_LIBS_$*) -o $@

.PHONY: fuzz-bins fuzz fuzz-short
fuzz-bins: $(FUZZ_BINS)

fuzz: deps-test
	$(Q)$(MAKE) --no-print-directory fuzz-bins
	$(Q)tests/fuzz/run.sh $(FUZZ_OUT) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-short: fuzz-bins
	$(Q)tests/fuzz/run.sh $(FUZZ_OUT) $$(( $(FUZZ_SHORT_SECONDS) * $(words $(FUZZ_TARGETS)) )) $(FUZZ_TARGETS)
test: fuzz-short
