# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# ptcopy: eBPF observability for the fork-time page-table copy.
#
#   make run      install what is missing, build, trace this host ~10 s while
#                 the bundled workload forks, print the result
#   make test     install what is missing, build, run every test (unit, BPF,
#                 host integration, VM on patched kernels)
#   make          build build/ptcopy, build/ptcopy_exporter, build/forkload
#   make static   fully static binaries in build/static/ (for VM initramfs)
#   make check    kernel C style on every .c and .h (checkpatch.pl --no-tree)
#   make fuzz     a 10-minute libFuzzer campaign (tests/fuzz/fuzz.mk)
#   make soak     a 10-minute soak of exporter and tracer (tests/soak/soak.mk)
#   make V=1      show the commands
.DELETE_ON_ERROR:
# Skeletons and BPF objects are kept: they are worth looking at.
.SECONDARY:
.DEFAULT_GOAL := all

VERSION := 0.2.0
OUTPUT ?= build
ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
CC ?= gcc
CLANG ?= clang
BPFTOOL ?= bpftool
PREFIX ?= /usr/local
DESTDIR ?=

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# BPF: CO-RE against the checked-in vmlinux.h; -mcpu=v3 for atomic
# fetch/cmpxchg (kernels >= 5.12; our oldest target is 6.1).
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) \
	-I bpf -I bpf/vmlinux/$(ARCH) -Wall -Werror -Wno-unused-function

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-missing-field-initializers
CFLAGS ?= -g -O2
ALL_CFLAGS := $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE -MMD -MP \
	-I $(OUTPUT)/skel -I bpf -I userspace/lib -DPTCOPY_VERSION='"$(VERSION)"'
ifeq ($(SANITIZE),1)
ALL_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
endif

# libbpf is linked in statically so that the tools are one file to copy onto
# a production host (skeletons embed the BPF objects), json-c likewise;
# capstone (the inline tier's disassembler) likewise; libelf and zlib are
# everywhere. `make static` links everything statically for the VM initramfs.
LIBS_BPF := -Wl,-Bstatic -lbpf -ljson-c -lcapstone -Wl,-Bdynamic -lelf -lz
LIBS_BPF_STATIC := -lbpf -ljson-c -lcapstone -lelf -lz
# The exporter's web config: YAML, bcrypt (libxcrypt), SHA-256 (nettle), TLS.
LIBS_EXPORTER := -lmicrohttpd -lgnutls -lyaml -lcrypt -lnettle

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_NAMES := $(patsubst bpf/%.bpf.c,%,$(BPF_SRCS))
SKELS := $(patsubst %,$(OUTPUT)/skel/%.skel.h,$(BPF_NAMES))

LIB_SRCS := $(wildcard userspace/lib/*.c)
LIB_OBJS := $(patsubst userspace/%.c,$(OUTPUT)/obj/%.o,$(LIB_SRCS))
PTCOPY_SRCS := $(wildcard userspace/ptcopy/*.c)
PTCOPY_OBJS := $(patsubst userspace/%.c,$(OUTPUT)/obj/%.o,$(PTCOPY_SRCS))
EXPORTER_SRCS := $(wildcard userspace/exporter/*.c)
EXPORTER_OBJS := $(patsubst userspace/%.c,$(OUTPUT)/obj/%.o,$(EXPORTER_SRCS))
FORKLOAD_SRCS := $(wildcard userspace/forkload/*.c)
FORKLOAD_OBJS := $(patsubst userspace/%.c,$(OUTPUT)/obj/%.o,$(FORKLOAD_SRCS))

BINS := $(OUTPUT)/ptcopy $(OUTPUT)/forkload $(OUTPUT)/hotpath
ifneq ($(EXPORTER_SRCS),)
BINS += $(OUTPUT)/ptcopy_exporter
endif

.PHONY: all
all: $(BINS)

$(OUTPUT)/bpf/%.tmp.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) $(wildcard bpf/vmlinux/$(ARCH)/vmlinux.h)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/bpf/%.bpf.o: $(OUTPUT)/bpf/%.tmp.bpf.o
	$(call msg,GEN-OBJ,$@)
	$(Q)$(BPFTOOL) gen object $@ $<

$(OUTPUT)/skel/%.skel.h: $(OUTPUT)/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@

# Every user object may include a skeleton (through the loader's headers).
$(OUTPUT)/obj/%.o: userspace/%.c $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(OUTPUT)/libptcopy.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(OUTPUT)/ptcopy: $(PTCOPY_OBJS) $(OUTPUT)/libptcopy.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LIBS_BPF) -o $@

$(OUTPUT)/ptcopy_exporter: $(EXPORTER_OBJS) $(OUTPUT)/libptcopy.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LIBS_BPF) $(LIBS_EXPORTER) -o $@

# forkload shares only the loader library's argument parsing.
$(OUTPUT)/forkload: $(FORKLOAD_OBJS) $(OUTPUT)/obj/lib/args.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -lpthread -o $@

# Static binaries for the VM initramfs: the tools and the VM workloads.
VM_WORKLOADS := $(patsubst tests/vm/workloads/%.c,$(OUTPUT)/static/%,$(wildcard tests/vm/workloads/*.c))
STATIC_BINS := $(OUTPUT)/static/ptcopy $(OUTPUT)/static/forkload $(VM_WORKLOADS)

.PHONY: static
static: $(STATIC_BINS)

$(OUTPUT)/static/ptcopy: $(PTCOPY_OBJS) $(OUTPUT)/libptcopy.a
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -static $^ $(LIBS_BPF_STATIC) -o $@

$(OUTPUT)/static/forkload: $(FORKLOAD_OBJS) $(OUTPUT)/obj/lib/args.o
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -static $^ -lpthread -o $@

$(OUTPUT)/static/%: tests/vm/workloads/%.c tests/vm/workloads/workload.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O2 $(WARN) -std=gnu11 -D_GNU_SOURCE -static $< -lpthread -o $@

# --- set-up, run, tests ------------------------------------------------------

.PHONY: deps deps-test
deps:
	$(Q)scripts/install-deps.sh build
deps-test:
	$(Q)scripts/install-deps.sh all

# The main job: trace this host while forkload forks a 1 GiB process.
.PHONY: run
run: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/run-demo.sh

include tests/tests.mk
include scripts/install.mk
include userspace/exporter/static.mk
include tests/fuzz/fuzz.mk
include tests/soak/soak.mk
include scripts/bench/bench.mk

# obj/lib/*.d, obj/ptcopy/*.d, ... and the tests' obj/tests/unit/*.d, obj/tests/bpf/*.d
-include $(wildcard $(OUTPUT)/obj/*/*.d $(OUTPUT)/obj/*/*/*.d)

.PHONY: clean
clean:
	rm -rf $(OUTPUT)
