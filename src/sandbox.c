/*
 * What Kore's seccomp filter must also allow in the workers, for the
 * background task (a thread, src/background.c) and the libraries it uses.
 * glibc starts threads with clone3, which seccomp cannot inspect: answering
 * ENOSYS makes glibc fall back to clone, which Kore's task filter allows.
 */
#include <sys/socket.h>

#include <errno.h>

#include <kore/kore.h>
#include <kore/seccomp.h>

void	kore_seccomp_hook(void);

KORE_SECCOMP_FILTER("payportal",
	KORE_SYSCALL_DENY(clone3, ENOSYS),
	KORE_SYSCALL_ALLOW(rseq),
	KORE_SYSCALL_ALLOW(getpeername),
	KORE_SYSCALL_ALLOW(getsockname),
	KORE_SYSCALL_ALLOW(getsockopt),
	KORE_SYSCALL_ALLOW(shutdown),
	KORE_SYSCALL_ALLOW(uname),
	KORE_SYSCALL_ALLOW(sched_yield),
	KORE_SYSCALL_ALLOW(sched_getaffinity),
	KORE_SYSCALL_ALLOW(gettid),
	KORE_SYSCALL_ALLOW(tgkill),
	KORE_SYSCALL_ALLOW_ARG(socket, 0, AF_INET),
	KORE_SYSCALL_ALLOW_ARG(socket, 0, AF_INET6),
	KORE_SYSCALL_ALLOW_ARG(socket, 0, AF_UNIX),
	KORE_SYSCALL_ALLOW(connect),
);
