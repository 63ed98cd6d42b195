/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef __PTCOPY_SIGNALS_H
#define __PTCOPY_SIGNALS_H

#include <signal.h>
#include <stdbool.h>

/*
 * SIGINT, SIGTERM and SIGHUP ask the tool to stop: its loop ends, it prints
 * what it has, and closing the session detaches every program. Installed
 * without SA_RESTART so that a blocking poll returns at once.
 */
int signals_setup(void);
bool signals_stop_requested(void);
/* The signal that asked to stop, 0 if none. */
int signals_stop_signal(void);

#endif /* __PTCOPY_SIGNALS_H */
