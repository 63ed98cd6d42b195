/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Once its programs are attached the exporter needs no privilege: reading
 * maps and program info through the fds it holds, draining the ring buffer
 * and serving HTTP are all allowed to anyone holding the fds (since 6.1 the
 * bpf() syscall checks capabilities only where objects are created).
 */
#ifndef __PTCOPY_PRIVS_H
#define __PTCOPY_PRIVS_H

/*
 * Drop every capability for good: the bounding set (where allowed),
 * the ambient, inheritable, permitted and effective sets, and set
 * no_new_privs so that no execve() can bring any back. Applies to the
 * calling thread: call it before any other thread is started. Returns 0,
 * or -errno after naming what failed.
 */
int privs_drop_all(void);

#endif /* __PTCOPY_PRIVS_H */
