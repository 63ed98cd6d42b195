# What the checkers of suites on Debian's distribution kernels share
# (sourced after lib/check.sh): the package's config and the guest's facts.

# cfg OPTION: its value in the package's config, "n" if not set
cfg() {
	local v
	v=$(sed -n "s/^CONFIG_$1=//p" "${DISTRO_DIR:?DISTRO_DIR: the unpacked package}/config")
	echo "${v:-n}"
}

# fact NAME: NAME's value in the guest's facts.txt
fact() {
	value "$1" "$out/facts.txt"
}

# want WHAT GOT EXPECTED
want() {
	[ "$2" = "$3" ] || fail "$1: $2, want $3"
}
