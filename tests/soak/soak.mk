# make soak: tests/soak/soak.sh for SOAK_SECONDS (default 600); a 1-minute
# run is part of the host tests (tests/host/62-exporter-soak.sh).
SOAK_SECONDS ?= 600

.PHONY: soak
soak: deps-test
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(OUTPUT) tests/soak/soak.sh $(SOAK_SECONDS)
