// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include "signals.h"

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

int signals_setup(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], &sa, NULL))
			return -1;
	/* A closed stdout (ptcopy | head) must end the run, not kill it mid-way. */
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

bool signals_stop_requested(void)
{
	return stop_signal != 0;
}

int signals_stop_signal(void)
{
	return stop_signal;
}
