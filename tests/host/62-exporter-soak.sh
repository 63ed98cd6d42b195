#!/usr/bin/env bash
# The soak of `make soak` (tests/soak/soak.sh), for one minute: exporter and
# tracer under a steady fork storm, scraped every second; memory flat after
# warming up, no file growth, every fork counted by both.
# host-san: no (asserts resident memory, which ASan's shadow and quarantine change)
. tests/host/lib.sh
need_root
command -v jq > /dev/null || fail "jq is not installed (make deps-test installs it)"
BUILD=$BUILD tests/soak/soak.sh "${SOAK_SECONDS:-60}" || fail "the 1-minute soak failed"
no_progs_left "after the soak"
