/*
 * The listener and its connections: one thread per connection, at most
 * SERVER_MAX_CONNS at once (further clients wait in the listen queue).
 * The main thread accepts and joins finished threads; server_stop() makes
 * it stop accepting, wake every connection and join them all, so that the
 * process can free everything and exit with nothing left running.
 */
/* accept4 and pipe2 */
#define _GNU_SOURCE

#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "standin.h"

#define SERVER_SLOT_FREE	0
#define SERVER_SLOT_RUNNING	1
#define SERVER_SLOT_DONE	2

#define SERVER_STACK		(1024 * 1024)
#define SERVER_LINGER_MS	1000

struct server_slot {
	pthread_t	 tid;
	int		 fd;
	int		 loopback;
	int		 state;
};

static void	*server_conn(void *);
static void	 server_accept(void);
static void	 server_reap(void);
static void	 server_wake(void);
static void	 server_linger_close(int);
static int	 server_is_loopback(const struct sockaddr_storage *);

static int			 server_fd = -1;
static int			 server_wakefd[2] = { -1, -1 };
static pthread_mutex_t		 server_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t		 server_cond;
static int			 server_stopped;
static size_t			 server_busy;
static struct server_slot	 server_slots[SERVER_MAX_CONNS];
static void			(*server_handler)(struct http_request *,
				    struct http_response *);

/* Binds "host:port" ("[::1]:port" for IPv6); returns 0 with err on failure. */
int
server_listen(const char *addr, char *err, size_t errlen)
{
	struct addrinfo		 hints, *res, *ai;
	pthread_condattr_t	 attr;
	char			 host[256];
	const char		*port;
	size_t			 hlen;
	int			 fd, on, rc;

	if ((port = strrchr(addr, ':')) == NULL || port[1] == '\0') {
		snprintf(err, errlen, "%s: expected host:port", addr);
		return (0);
	}
	hlen = (size_t)(port - addr);
	port++;
	if (hlen >= 2 && addr[0] == '[' && addr[hlen - 1] == ']') {
		addr++;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof(host)) {
		snprintf(err, errlen, "bad listen host");
		return (0);
	}
	memcpy(host, addr, hlen);
	host[hlen] = '\0';

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		snprintf(err, errlen, "%s: %s", host, gai_strerror(rc));
		return (0);
	}
	fd = -1;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
		if (fd == -1)
			continue;
		on = 1;
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, 512) == 0)
			break;
		snprintf(err, errlen, "bind %s:%s: %s", host, port,
		    strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1)
		return (0);

	if (pipe2(server_wakefd, O_CLOEXEC | O_NONBLOCK) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		close(fd);
		return (0);
	}
	/* Monotonic, so that delays do not jump with the wall clock. */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&server_cond, &attr);
	pthread_condattr_destroy(&attr);
	server_fd = fd;
	return (1);
}

void
server_run(void (*handler)(struct http_request *, struct http_response *))
{
	struct pollfd	 pfd[2];
	char		 drain[64];
	size_t		 i;
	int		 stop;

	server_handler = handler;
	for (;;) {
		pthread_mutex_lock(&server_lock);
		stop = server_stopped;
		pfd[1].fd = server_busy < SERVER_MAX_CONNS ? server_fd : -1;
		pthread_mutex_unlock(&server_lock);
		if (stop)
			break;
		pfd[0].fd = server_wakefd[0];
		pfd[0].events = POLLIN;
		pfd[1].events = POLLIN;
		pfd[0].revents = pfd[1].revents = 0;
		if (poll(pfd, 2, -1) == -1 && errno != EINTR) {
			perror("standin: poll");
			break;
		}
		if (pfd[0].revents & POLLIN) {
			while (read(server_wakefd[0], drain, sizeof(drain)) > 0)
				;
		}
		server_reap();
		if (pfd[1].revents & POLLIN)
			server_accept();
	}

	close(server_fd);
	server_fd = -1;
	pthread_mutex_lock(&server_lock);
	for (i = 0; i < SERVER_MAX_CONNS; i++) {
		if (server_slots[i].state == SERVER_SLOT_RUNNING &&
		    server_slots[i].fd != -1)
			(void)shutdown(server_slots[i].fd, SHUT_RDWR);
	}
	pthread_mutex_unlock(&server_lock);
	for (i = 0; i < SERVER_MAX_CONNS; i++) {
		if (server_slots[i].state == SERVER_SLOT_FREE)
			continue;
		pthread_join(server_slots[i].tid, NULL);
		server_slots[i].state = SERVER_SLOT_FREE;
	}
	server_busy = 0;
	close(server_wakefd[0]);
	close(server_wakefd[1]);
	pthread_cond_destroy(&server_cond);
}

static void
server_accept(void)
{
	struct sockaddr_storage	 peer;
	socklen_t		 plen;
	pthread_attr_t		 attr;
	struct server_slot	*slot;
	size_t			 i;
	int			 fd, on;

	plen = sizeof(peer);
	fd = accept4(server_fd, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);
	if (fd == -1) {
		/* Out of descriptors: back off instead of spinning on poll. */
		if (errno == EMFILE || errno == ENFILE)
			(void)poll(NULL, 0, 10);
		return;
	}
	on = 1;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));

	pthread_mutex_lock(&server_lock);
	slot = NULL;
	for (i = 0; i < SERVER_MAX_CONNS; i++) {
		if (server_slots[i].state == SERVER_SLOT_FREE) {
			slot = &server_slots[i];
			break;
		}
	}
	if (slot == NULL) {
		pthread_mutex_unlock(&server_lock);
		close(fd);
		return;
	}
	slot->fd = fd;
	slot->loopback = server_is_loopback(&peer);
	slot->state = SERVER_SLOT_RUNNING;
	server_busy++;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, SERVER_STACK);
	if (pthread_create(&slot->tid, &attr, server_conn, slot) != 0) {
		fprintf(stderr, "standin: cannot start a thread\n");
		slot->state = SERVER_SLOT_FREE;
		slot->fd = -1;
		server_busy--;
		close(fd);
	}
	pthread_attr_destroy(&attr);
	pthread_mutex_unlock(&server_lock);
}

static void
server_reap(void)
{
	size_t		 i;
	pthread_t	 tid;

	for (i = 0; i < SERVER_MAX_CONNS; i++) {
		pthread_mutex_lock(&server_lock);
		if (server_slots[i].state != SERVER_SLOT_DONE) {
			pthread_mutex_unlock(&server_lock);
			continue;
		}
		tid = server_slots[i].tid;
		pthread_mutex_unlock(&server_lock);
		pthread_join(tid, NULL);
		pthread_mutex_lock(&server_lock);
		server_slots[i].state = SERVER_SLOT_FREE;
		server_busy--;
		pthread_mutex_unlock(&server_lock);
	}
}

static void *
server_conn(void *arg)
{
	struct server_slot	*slot = arg;
	struct http_conn	 conn;
	struct http_request	 req;
	struct http_response	 resp;
	int			 r, status, keep;

	if (!http_conn_init(&conn, slot->fd, slot->loopback)) {
		(void)http_send_error(&conn, 500);
		keep = 0;
	} else {
		keep = 1;
	}
	while (keep) {
		r = http_read_request(&conn, &req, &status);
		if (r == HTTP_READ_CLOSED)
			break;
		if (r == HTTP_READ_ERROR) {
			fprintf(stderr, "standin: bad request: %d\n", status);
			if (http_send_error(&conn, status))
				server_linger_close(conn.fd);
			break;
		}
		http_response_init(&resp);
		server_handler(&req, &resp);
		fprintf(stderr, "standin: %s %s %d%s\n", req.method, req.path,
		    resp.status, resp.drop ? " (dropped)" : "");
		keep = !resp.drop && http_send(&conn, &req, &resp) &&
		    req.keepalive && !server_stopping();
		http_response_free(&resp);
	}
	http_conn_free(&conn);

	pthread_mutex_lock(&server_lock);
	close(slot->fd);
	slot->fd = -1;
	slot->state = SERVER_SLOT_DONE;
	pthread_mutex_unlock(&server_lock);
	server_wake();
	return (NULL);
}

/*
 * After an error answer the client may still be sending: closing with
 * unread bytes would reset the connection and lose the answer, so stop
 * writing and drain for a moment first.
 */
static void
server_linger_close(int fd)
{
	struct pollfd	 pfd;
	char		 sink[4096];
	int		 i;

	(void)shutdown(fd, SHUT_WR);
	for (i = 0; i < 16; i++) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, SERVER_LINGER_MS / 16) <= 0)
			break;
		if (recv(fd, sink, sizeof(sink), 0) <= 0)
			break;
	}
}

static void
server_wake(void)
{
	ssize_t		 n;

	n = write(server_wakefd[1], "w", 1);
	(void)n;
}

/* Called from the signal thread; safe to call more than once. */
void
server_stop(void)
{
	pthread_mutex_lock(&server_lock);
	server_stopped = 1;
	pthread_cond_broadcast(&server_cond);
	pthread_mutex_unlock(&server_lock);
	server_wake();
}

int
server_stopping(void)
{
	int		 stop;

	pthread_mutex_lock(&server_lock);
	stop = server_stopped;
	pthread_mutex_unlock(&server_lock);
	return (stop);
}

/* Sleeps ms milliseconds; returns 0 early if the server is stopping. */
int
server_sleep_ms(long ms)
{
	struct timespec	 ts;
	int		 stop;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&server_lock);
	while (!server_stopped) {
		if (pthread_cond_timedwait(&server_cond, &server_lock,
		    &ts) == ETIMEDOUT)
			break;
	}
	stop = server_stopped;
	pthread_mutex_unlock(&server_lock);
	return (!stop);
}

static int
server_is_loopback(const struct sockaddr_storage *ss)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;
	const uint8_t			*a;

	if (ss->ss_family == AF_INET) {
		sin = (const struct sockaddr_in *)ss;
		return ((ntohl(sin->sin_addr.s_addr) >> 24) == 127);
	}
	if (ss->ss_family == AF_INET6) {
		sin6 = (const struct sockaddr_in6 *)ss;
		a = sin6->sin6_addr.s6_addr;
		if (IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr))
			return (1);
		return (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr) && a[12] == 127);
	}
	return (0);
}
