// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "listen.h"

/*
 * The kernel's own maximum (net.core.somaxconn clamps it), as Go's
 * listeners and so most exporters use. With 64, a burst of connections
 * (a slowloris client reconnecting as the per-address limit closes them)
 * can fill the accept queue while the server thread is busy, and a
 * scraper's SYN is then dropped until its retransmission a second later:
 * the likely cause of a scrape that took 1.0 s once in tests/host/58.
 */
#define BACKLOG	SOMAXCONN

int listen_parse(const char *addr, char *host, size_t hostlen, char *port, size_t portlen,
		 char *err, size_t errlen)
{
	const char *colon, *h = addr;
	size_t hl;
	char *end;
	long p;

	if (addr[0] == '[') {
		const char *close = strchr(addr, ']');

		if (!close || close[1] != ':') {
			snprintf(err, errlen, "invalid listen address '%s': expected [ipv6]:port",
				 addr);
			return -EINVAL;
		}
		h = addr + 1;
		hl = close - h;
		colon = close + 1;
	} else {
		colon = strrchr(addr, ':');
		if (!colon || memchr(addr, ':', colon - addr)) {
			snprintf(err, errlen,
				 "invalid listen address '%s': expected host:port, :port or [ipv6]:port",
				 addr);
			return -EINVAL;
		}
		hl = colon - addr;
	}
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || errno || p < 0 || p > 65535 || colon[1] == '-' ||
	    colon[1] == '+') {
		snprintf(err, errlen, "invalid port in listen address '%s': expected 0 to 65535",
			 addr);
		return -EINVAL;
	}
	if (hl >= hostlen || strlen(colon + 1) >= portlen) {
		snprintf(err, errlen, "invalid listen address '%s': too long", addr);
		return -EINVAL;
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	snprintf(port, portlen, "%ld", p);
	return 0;
}

static int bind_one(const struct sockaddr *sa, socklen_t len, int family, bool dual)
{
	int fd, one = 1, zero = 0, err;

	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* A restart must not wait for the old connections' TIME_WAIT. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (dual)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, sa, len) || listen(fd, BACKLOG)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* ":port": every address; IPv6 with IPv4 mapped, or IPv4 alone without IPv6. */
static int listen_any(const char *port)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT };
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY) };
	int fd;

	a6.sin6_port = htons(atoi(port));
	a4.sin_port = a6.sin6_port;
	fd = bind_one((struct sockaddr *)&a6, sizeof(a6), AF_INET6, true);
	if (fd == -EAFNOSUPPORT || fd == -EADDRNOTAVAIL)
		fd = bind_one((struct sockaddr *)&a4, sizeof(a4), AF_INET, false);
	return fd;
}

int listen_open(const char *addr, char *err, size_t errlen)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_PASSIVE | AI_NUMERICSERV,
	};
	struct addrinfo *res, *ai;
	char host[256], port[8];
	int fd = -EADDRNOTAVAIL, gai;

	fd = listen_parse(addr, host, sizeof(host), port, sizeof(port), err, errlen);
	if (fd)
		return fd;
	if (!host[0]) {
		fd = listen_any(port);
	} else {
		gai = getaddrinfo(host, port, &hints, &res);
		if (gai) {
			snprintf(err, errlen, "cannot listen on %s: %s", addr, gai_strerror(gai));
			return -EADDRNOTAVAIL;
		}
		fd = -EADDRNOTAVAIL;
		for (ai = res; ai; ai = ai->ai_next) {
			fd = bind_one(ai->ai_addr, ai->ai_addrlen, ai->ai_family, false);
			if (fd >= 0)
				break;
		}
		freeaddrinfo(res);
	}
	if (fd < 0)
		snprintf(err, errlen, "cannot listen on %s: %s", addr, strerror(-fd));
	return fd;
}

void listen_describe(int fd, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned int port = 0;

	if (getsockname(fd, (struct sockaddr *)&ss, &sl)) {
		snprintf(buf, len, "?");
		return;
	}
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		port = ntohs(a->sin6_port);
		snprintf(buf, len, "[%s]:%u", host, port);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		port = ntohs(a->sin_port);
		snprintf(buf, len, "%s:%u", host, port);
	}
}
