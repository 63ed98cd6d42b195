# `make install`, included by the top-level Makefile.
#
#   make install [PREFIX=/usr/local] [DESTDIR=] [UNITDIR=/lib/systemd/system]
#
# Installs build/ptcopy and build/ptcopy_exporter in $(PREFIX)/sbin, their
# man pages in $(PREFIX)/share/man/man8, ptcopy -j's JSON schema in
# $(PREFIX)/share/ptcopy and the exporter's systemd unit in
# $(UNITDIR), its ExecStart pointing at the installed binary. Nothing is
# enabled or started: `systemctl enable --now ptcopy_exporter` is the
# operator's call. `make uninstall` removes the same files.
SBINDIR ?= $(PREFIX)/sbin
MAN8DIR ?= $(PREFIX)/share/man/man8
DATADIR ?= $(PREFIX)/share/ptcopy
UNITDIR ?= /lib/systemd/system
INSTALL ?= install

INSTALL_BINS := $(OUTPUT)/ptcopy $(OUTPUT)/ptcopy_exporter
INSTALL_MANS := userspace/ptcopy/ptcopy.8 $(OUTPUT)/doc/ptcopy_exporter.8
UNIT := scripts/systemd/ptcopy_exporter.service

.PHONY: install uninstall
install: $(INSTALL_BINS) $(INSTALL_MANS) $(OUTPUT)/doc/ptcopy.schema.json $(UNIT)
	$(call msg,INSTALL,$(DESTDIR)$(SBINDIR))
	$(Q)$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MAN8DIR) $(DESTDIR)$(UNITDIR)
	$(Q)$(INSTALL) -m 0755 $(INSTALL_BINS) $(DESTDIR)$(SBINDIR)/
	$(call msg,INSTALL,$(DESTDIR)$(MAN8DIR))
	$(Q)$(INSTALL) -m 0644 $(INSTALL_MANS) $(DESTDIR)$(MAN8DIR)/
	$(Q)$(INSTALL) -D -m 0644 $(OUTPUT)/doc/ptcopy.schema.json $(DESTDIR)$(DATADIR)/ptcopy.schema.json
	$(call msg,INSTALL,$(DESTDIR)$(UNITDIR)/ptcopy_exporter.service)
	$(Q)sed 's|^ExecStart=/usr/local/sbin/|ExecStart=$(SBINDIR)/|' $(UNIT) > $(DESTDIR)$(UNITDIR)/ptcopy_exporter.service.tmp
	$(Q)grep -q '^ExecStart=$(SBINDIR)/ptcopy_exporter ' $(DESTDIR)$(UNITDIR)/ptcopy_exporter.service.tmp || \
		{ echo "install: ExecStart of $(UNIT) not rewritten to $(SBINDIR)" >&2; exit 1; }
	$(Q)chmod 0644 $(DESTDIR)$(UNITDIR)/ptcopy_exporter.service.tmp
	$(Q)mv $(DESTDIR)$(UNITDIR)/ptcopy_exporter.service.tmp $(DESTDIR)$(UNITDIR)/ptcopy_exporter.service

uninstall:
	rm -f $(addprefix $(DESTDIR)$(SBINDIR)/,ptcopy ptcopy_exporter)
	rm -f $(addprefix $(DESTDIR)$(MAN8DIR)/,ptcopy.8 ptcopy_exporter.8)
	rm -f $(DESTDIR)$(UNITDIR)/ptcopy_exporter.service
	rm -f $(DESTDIR)$(DATADIR)/ptcopy.schema.json
