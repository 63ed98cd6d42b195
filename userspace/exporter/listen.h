/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --web.listen-address: "host:port", ":port" (every address, IPv6 and IPv4)
 * or "[v6-address]:port"; the port is a number (0: any free one).
 */
#ifndef __PTCOPY_LISTEN_H
#define __PTCOPY_LISTEN_H

#include <stddef.h>

/* Split addr; -EINVAL (and why in err) if it is not one of the forms above. */
int listen_parse(const char *addr, char *host, size_t hostlen, char *port, size_t portlen,
		 char *err, size_t errlen);
/*
 * A bound, listening, non-blocking, close-on-exec TCP socket for addr;
 * negative errno on failure, with a line naming the address in err.
 */
int listen_open(const char *addr, char *err, size_t errlen);
/* The socket's local address as "host:port" ("[v6]:port"). */
void listen_describe(int fd, char *buf, size_t len);

#endif /* __PTCOPY_LISTEN_H */
