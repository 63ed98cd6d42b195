# build/static/ptcopy_exporter: the exporter linked fully statically, for the
# VM initramfs (scripts/vm/initramfs.sh copies every binary of build/static/).
# Included by the top-level Makefile; adds itself to `make static`.
#
# libmicrohttpd.a refers to GnuTLS, which cannot be linked statically from
# Debian's packages; this build refuses TLS in a web config, so
# static/gnutls_stub.c stands in for it (see there). Basic authentication
# works: libyaml, libxcrypt and nettle have static archives, and so has
# protobuf-c (libprotobuf-c.a): the protobuf exposition format is served
# here too.
EXPORTER_STATIC_OBJS := $(OUTPUT)/obj/exporter/static/gnutls_stub.o

.PHONY: static
static: $(OUTPUT)/static/ptcopy_exporter

$(OUTPUT)/static/ptcopy_exporter: $(EXPORTER_OBJS) $(EXPORTER_STATIC_OBJS) $(OUTPUT)/libptcopy.a
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -static $^ -lmicrohttpd -lyaml -lcrypt -lnettle -lprotobuf-c $(LIBS_BPF_STATIC) -lpthread -o $@
