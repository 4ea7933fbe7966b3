/*
 * smtpsink: an SMTP server for tests that keeps every message it accepts
 * as a file, so that tests can read the receipt and link emails the
 * portal sends through libcurl.
 *
 *	smtpsink -l host:port -d dir [-f n] [-t seconds]
 *
 * It speaks the part of RFC 5321 that libcurl's SMTP client uses (see
 * README.md): no TLS, every sender and recipient accepted. Each message
 * becomes dir/NNNNNN.eml, written under a hidden temporary name and then
 * renamed, with an X-Sink-Envelope line in front. One thread serves all
 * connections through ppoll(); every connection is bounded in line length,
 * message size and idle time, and there are at most SMTPSINK_MAX_CONNS of
 * them. SIGTERM or SIGINT closes them all and exits 0 with nothing left
 * allocated, so that the sanitizers can vouch for a whole run.
 */
/* accept4, mkostemp, ppoll */
#define _GNU_SOURCE

#include <sys/socket.h>
#include <sys/stat.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define SMTPSINK_MAX_LINE	1000	/* bytes, CRLF included (RFC 5321) */
#define SMTPSINK_MAX_MESSAGE	(1024 * 1024)
#define SMTPSINK_MAX_CONNS	64
#define SMTPSINK_MAX_RCPT	100	/* the least RFC 5321 allows */
#define SMTPSINK_MAX_PATH	256	/* RFC 5321 4.5.3.1.3 */
#define SMTPSINK_MAX_ERRORS	20	/* bad commands, then hang up */
#define SMTPSINK_MAX_SEQ	999999
#define SMTPSINK_MAX_FAIL	1000000
#define SMTPSINK_TIMEOUT	30	/* seconds without input */

enum smtpsink_state {
	SMTPSINK_COMMAND,
	SMTPSINK_DATA,
	SMTPSINK_AUTH_PLAIN,
	SMTPSINK_AUTH_USER,
	SMTPSINK_AUTH_PASS
};

/* Why a message is refused when its end arrives; the first one counts. */
enum smtpsink_refusal {
	SMTPSINK_ACCEPT,
	SMTPSINK_TOO_LONG,
	SMTPSINK_TOO_BIG,
	SMTPSINK_NO_STORE
};

struct smtpsink_conn {
	int			 fd;		/* -1: slot free */
	enum smtpsink_state	 state;
	int			 closing;	/* after QUIT, or giving up */
	int			 greeted;	/* EHLO or HELO seen */
	int			 authed;
	int			 errors;
	long long		 deadline;	/* monotonic ms */

	char			 line[SMTPSINK_MAX_LINE];
	size_t			 linelen;
	int			 overlong;	/* skipping to the next LF */

	int			 in_mail;	/* MAIL FROM seen */
	char			 from[SMTPSINK_MAX_PATH + 1];
	char			 rcpt[SMTPSINK_MAX_RCPT][SMTPSINK_MAX_PATH + 1];
	size_t			 nrcpt;

	FILE			*msg;		/* during DATA */
	char			 tmp[PATH_MAX];
	size_t			 msglen;
	enum smtpsink_refusal	 refusal;
};

struct smtpsink_verb {
	const char	*name;
	void		(*fn)(struct smtpsink_conn *, const char *);
};

static void	 smtpsink_usage(void) __attribute__((noreturn));
static int	 smtpsink_number(const char *, long, long *);
static long long	 smtpsink_now(void);
static void	 smtpsink_on_signal(int);
static void	 smtpsink_listen(const char *);
static void	 smtpsink_scan(void);
static void	 smtpsink_loop(const sigset_t *);
static void	 smtpsink_accept(void);
static void	 smtpsink_read(struct smtpsink_conn *);
static void	 smtpsink_close(struct smtpsink_conn *, const char *);
static void	 smtpsink_reply(struct smtpsink_conn *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	 smtpsink_error(struct smtpsink_conn *, const char *);
static void	 smtpsink_input(struct smtpsink_conn *, const char *, size_t);
static void	 smtpsink_line(struct smtpsink_conn *);
static void	 smtpsink_command(struct smtpsink_conn *, const char *);
static int	 smtpsink_greet(struct smtpsink_conn *, const char *);
static void	 smtpsink_ehlo(struct smtpsink_conn *, const char *);
static void	 smtpsink_helo(struct smtpsink_conn *, const char *);
static void	 smtpsink_mail(struct smtpsink_conn *, const char *);
static void	 smtpsink_rcpt(struct smtpsink_conn *, const char *);
static void	 smtpsink_data(struct smtpsink_conn *, const char *);
static void	 smtpsink_rset(struct smtpsink_conn *, const char *);
static void	 smtpsink_noop(struct smtpsink_conn *, const char *);
static void	 smtpsink_quit(struct smtpsink_conn *, const char *);
static void	 smtpsink_auth(struct smtpsink_conn *, const char *);
static void	 smtpsink_auth_line(struct smtpsink_conn *, const char *, int);
static const char	*smtpsink_path(const char *, const char *, int,
			    char *);
static void	 smtpsink_data_line(struct smtpsink_conn *, char *, size_t,
		    int);
static void	 smtpsink_data_end(struct smtpsink_conn *);
static void	 smtpsink_refuse(struct smtpsink_conn *, enum smtpsink_refusal);
static void	 smtpsink_discard(struct smtpsink_conn *);
static void	 smtpsink_reset(struct smtpsink_conn *);
static int	 smtpsink_take_failure(void);
static int	 smtpsink_fail_file(void);

static const struct smtpsink_verb	smtpsink_verbs[] = {
	{ "EHLO", smtpsink_ehlo },
	{ "HELO", smtpsink_helo },
	{ "MAIL", smtpsink_mail },
	{ "RCPT", smtpsink_rcpt },
	{ "DATA", smtpsink_data },
	{ "RSET", smtpsink_rset },
	{ "NOOP", smtpsink_noop },
	{ "QUIT", smtpsink_quit },
	{ "AUTH", smtpsink_auth },
	{ NULL, NULL }
};

static const char		*smtpsink_dir;
static int			 smtpsink_fd = -1;
static long			 smtpsink_fail_first;
static long			 smtpsink_timeout_ms;
static long			 smtpsink_seq;	/* the last number used */
static volatile sig_atomic_t	 smtpsink_stop;
static struct smtpsink_conn	 smtpsink_conns[SMTPSINK_MAX_CONNS];

int
main(int argc, char *argv[])
{
	struct sigaction	 sa;
	struct stat		 st;
	sigset_t		 block, unblocked;
	const char		*addr;
	size_t			 i;
	long			 secs;
	int			 ch;

	addr = NULL;
	secs = SMTPSINK_TIMEOUT;
	while ((ch = getopt(argc, argv, "d:f:l:t:")) != -1) {
		switch (ch) {
		case 'd':
			smtpsink_dir = optarg;
			break;
		case 'f':
			if (!smtpsink_number(optarg, SMTPSINK_MAX_FAIL,
			    &smtpsink_fail_first))
				smtpsink_usage();
			break;
		case 'l':
			addr = optarg;
			break;
		case 't':
			if (!smtpsink_number(optarg, 3600, &secs) || secs == 0)
				smtpsink_usage();
			break;
		default:
			smtpsink_usage();
		}
	}
	if (optind != argc || addr == NULL || smtpsink_dir == NULL)
		smtpsink_usage();
	smtpsink_timeout_ms = secs * 1000;
	/* Room for "/NNNNNN.eml", "/.tmp-XXXXXX" and "/.fail.tmp". */
	if (strlen(smtpsink_dir) > PATH_MAX - 16)
		errx(1, "%s: path too long", smtpsink_dir);
	if (stat(smtpsink_dir, &st) == -1 || !S_ISDIR(st.st_mode))
		errx(1, "%s: not a directory", smtpsink_dir);

	for (i = 0; i < SMTPSINK_MAX_CONNS; i++)
		smtpsink_conns[i].fd = -1;
	smtpsink_scan();
	smtpsink_listen(addr);

	/* Signals arrive only inside ppoll(), so the loop sees them at once. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = smtpsink_on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1)
		err(1, "sigaction");
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	if (sigprocmask(SIG_BLOCK, &block, &unblocked) == -1)
		err(1, "sigprocmask");
	sigdelset(&unblocked, SIGTERM);
	sigdelset(&unblocked, SIGINT);

	fprintf(stderr, "smtpsink: listening on %s\n", addr);
	smtpsink_loop(&unblocked);

	for (i = 0; i < SMTPSINK_MAX_CONNS; i++) {
		if (smtpsink_conns[i].fd != -1) {
			smtpsink_close(&smtpsink_conns[i],
			    "421 4.3.2 shutting down");
		}
	}
	close(smtpsink_fd);
	fprintf(stderr, "smtpsink: stopped\n");
	return (0);
}

static void
smtpsink_usage(void)
{
	fprintf(stderr, "usage: smtpsink -l host:port -d dir [-f n] "
	    "[-t seconds]\n");
	exit(2);
}

/* Digits only, at most max; trailing white space (a file's newline) is ok. */
static int
smtpsink_number(const char *s, long max, long *out)
{
	long		 n;

	if (*s < '0' || *s > '9')
		return (0);
	for (n = 0; *s >= '0' && *s <= '9'; s++) {
		n = n * 10 + (*s - '0');
		if (n > max)
			return (0);
	}
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	if (*s != '\0')
		return (0);
	*out = n;
	return (1);
}

static long long
smtpsink_now(void)
{
	struct timespec	 ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static void
smtpsink_on_signal(int sig)
{
	smtpsink_stop = 1;
}

/* Binds "host:port", or "[v6]:port"; numeric hosts only. */
static void
smtpsink_listen(const char *spec)
{
	struct addrinfo	 hints, *res;
	const char	*addr, *colon;
	char		 host[64];
	size_t		 hlen;
	int		 on, rc;

	addr = spec;
	if ((colon = strrchr(addr, ':')) == NULL || colon[1] == '\0')
		errx(1, "%s: expected host:port", spec);
	hlen = (size_t)(colon - addr);
	if (hlen >= 2 && addr[0] == '[' && addr[hlen - 1] == ']') {
		addr++;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof(host))
		errx(1, "%s: expected host:port", spec);
	memcpy(host, addr, hlen);
	host[hlen] = '\0';

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, colon + 1, &hints, &res)) != 0)
		errx(1, "%s: %s", spec, gai_strerror(rc));
	on = 1;
	if ((smtpsink_fd = socket(res->ai_family,
	    res->ai_socktype | SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(smtpsink_fd, SOL_SOCKET, SO_REUSEADDR, &on,
	    sizeof(on)) == -1 ||
	    bind(smtpsink_fd, res->ai_addr, res->ai_addrlen) == -1 ||
	    listen(smtpsink_fd, SMTPSINK_MAX_CONNS) == -1) {
		rc = errno;
		freeaddrinfo(res);
		errno = rc;
		err(1, "%s", spec);
	}
	freeaddrinfo(res);
}

/* Numbering goes on after the highest NNNNNN.eml already in the folder. */
static void
smtpsink_scan(void)
{
	DIR		*d;
	struct dirent	*de;
	long		 n;

	if ((d = opendir(smtpsink_dir)) == NULL)
		err(1, "%s", smtpsink_dir);
	while ((de = readdir(d)) != NULL) {
		if (strlen(de->d_name) != 10 ||
		    strcmp(de->d_name + 6, ".eml") != 0 ||
		    strspn(de->d_name, "0123456789") != 6)
			continue;
		n = strtol(de->d_name, NULL, 10);
		if (n > smtpsink_seq)
			smtpsink_seq = n;
	}
	closedir(d);
}

static void
smtpsink_loop(const sigset_t *unblocked)
{
	struct pollfd		 pfd[SMTPSINK_MAX_CONNS + 1];
	struct smtpsink_conn	*conn[SMTPSINK_MAX_CONNS + 1];
	struct timespec		 ts, *tsp;
	long long		 now, wait, left;
	size_t			 i, n;

	while (!smtpsink_stop) {
		pfd[0].fd = smtpsink_fd;
		pfd[0].events = POLLIN;
		n = 1;
		wait = -1;
		now = smtpsink_now();
		for (i = 0; i < SMTPSINK_MAX_CONNS; i++) {
			if (smtpsink_conns[i].fd == -1)
				continue;
			conn[n] = &smtpsink_conns[i];
			pfd[n].fd = smtpsink_conns[i].fd;
			pfd[n].events = POLLIN;
			n++;
			left = smtpsink_conns[i].deadline - now;
			if (wait == -1 || left < wait)
				wait = left;
		}
		tsp = NULL;
		if (wait != -1) {
			if (wait < 0)
				wait = 0;
			ts.tv_sec = wait / 1000;
			ts.tv_nsec = (wait % 1000) * 1000000;
			tsp = &ts;
		}
		if (ppoll(pfd, n, tsp, unblocked) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "ppoll");
		}

		now = smtpsink_now();
		for (i = 1; i < n; i++) {
			if (pfd[i].revents != 0) {
				smtpsink_read(conn[i]);
			} else if (now >= conn[i]->deadline) {
				smtpsink_close(conn[i],
				    "421 4.4.2 idle too long");
			}
		}
		if (pfd[0].revents & POLLIN)
			smtpsink_accept();
	}
}

static void
smtpsink_accept(void)
{
	static const char	 busy[] = "421 4.3.2 too many connections\r\n";
	struct smtpsink_conn	*c;
	size_t			 i;
	int			 fd;

	if ((fd = accept4(smtpsink_fd, NULL, NULL, SOCK_CLOEXEC)) == -1)
		return;
	for (i = 0; i < SMTPSINK_MAX_CONNS; i++) {
		if (smtpsink_conns[i].fd == -1)
			break;
	}
	if (i == SMTPSINK_MAX_CONNS) {
		(void)send(fd, busy, sizeof(busy) - 1,
		    MSG_DONTWAIT | MSG_NOSIGNAL);
		close(fd);
		return;
	}
	c = &smtpsink_conns[i];
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->deadline = smtpsink_now() + smtpsink_timeout_ms;
	smtpsink_reply(c, "220 smtpsink ESMTP ready");
	if (c->closing)
		smtpsink_close(c, NULL);
}

static void
smtpsink_read(struct smtpsink_conn *c)
{
	char		 buf[4096];
	ssize_t		 n;

	n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		smtpsink_close(c, NULL);
		return;
	}
	c->deadline = smtpsink_now() + smtpsink_timeout_ms;
	smtpsink_input(c, buf, (size_t)n);
	if (c->closing)
		smtpsink_close(c, NULL);
}

/* Says a last word if there is one; a message in progress is dropped. */
static void
smtpsink_close(struct smtpsink_conn *c, const char *reply)
{
	if (reply != NULL)
		smtpsink_reply(c, "%s", reply);
	smtpsink_discard(c);
	close(c->fd);
	c->fd = -1;
}

/*
 * Replies are short and the client waits for each one, so a reply that
 * does not fit the socket buffer at once means the client is gone or
 * stuck: the connection is closed rather than waited for.
 */
static void
smtpsink_reply(struct smtpsink_conn *c, const char *fmt, ...)
{
	va_list		 ap;
	char		 buf[512];
	int		 n;

	if (c->closing)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 2, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf) - 2) {
		c->closing = 1;
		return;
	}
	buf[n++] = '\r';
	buf[n++] = '\n';
	if (send(c->fd, buf, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) != n)
		c->closing = 1;
}

static void
smtpsink_error(struct smtpsink_conn *c, const char *reply)
{
	smtpsink_reply(c, "%s", reply);
	if (++c->errors == SMTPSINK_MAX_ERRORS) {
		smtpsink_reply(c, "421 4.7.0 too many errors");
		c->closing = 1;
	}
}

/*
 * Splits the input into lines at LF. A line that reaches SMTPSINK_MAX_LINE
 * bytes without one is not kept: the rest of it is skipped and the line
 * is handed on marked as too long.
 */
static void
smtpsink_input(struct smtpsink_conn *c, const char *p, size_t n)
{
	size_t		 i;

	for (i = 0; i < n && !c->closing; i++) {
		if (c->linelen == sizeof(c->line))
			c->overlong = 1;
		else
			c->line[c->linelen++] = p[i];
		if (p[i] != '\n')
			continue;
		smtpsink_line(c);
		c->linelen = 0;
		c->overlong = 0;
	}
}

static void
smtpsink_line(struct smtpsink_conn *c)
{
	size_t		 len;

	/* The LF is there unless the line was too long; a CR may precede. */
	len = 0;
	if (!c->overlong) {
		len = c->linelen - 1;
		if (len > 0 && c->line[len - 1] == '\r')
			len--;
	}
	c->line[len] = '\0';

	switch (c->state) {
	case SMTPSINK_DATA:
		smtpsink_data_line(c, c->line, len, c->overlong);
		break;
	case SMTPSINK_AUTH_PLAIN:
	case SMTPSINK_AUTH_USER:
	case SMTPSINK_AUTH_PASS:
		smtpsink_auth_line(c, c->line, c->overlong);
		break;
	case SMTPSINK_COMMAND:
		if (c->overlong)
			smtpsink_error(c, "500 5.5.2 line too long");
		else
			smtpsink_command(c, c->line);
		break;
	}
}

static void
smtpsink_command(struct smtpsink_conn *c, const char *line)
{
	const struct smtpsink_verb	*v;

	for (v = smtpsink_verbs; v->name != NULL; v++) {
		if (strncasecmp(line, v->name, 4) != 0 ||
		    (line[4] != '\0' && line[4] != ' '))
			continue;
		line += 4;
		while (*line == ' ')
			line++;
		v->fn(c, line);
		return;
	}
	smtpsink_error(c, "500 5.5.2 command not recognized");
}

/* EHLO and HELO: a new start, as after RSET (RFC 5321 4.1.4). */
static int
smtpsink_greet(struct smtpsink_conn *c, const char *arg)
{
	if (*arg == '\0') {
		smtpsink_error(c, "501 5.5.4 a domain is needed");
		return (0);
	}
	smtpsink_reset(c);
	c->greeted = 1;
	return (1);
}

static void
smtpsink_ehlo(struct smtpsink_conn *c, const char *arg)
{
	if (smtpsink_greet(c, arg)) {
		smtpsink_reply(c, "250-smtpsink\r\n250-SIZE %d\r\n"
		    "250-8BITMIME\r\n250 ENHANCEDSTATUSCODES",
		    SMTPSINK_MAX_MESSAGE);
	}
}

static void
smtpsink_helo(struct smtpsink_conn *c, const char *arg)
{
	if (smtpsink_greet(c, arg))
		smtpsink_reply(c, "250 smtpsink");
}

/* MAIL FROM:<path> [SIZE=n] [BODY=7BIT|8BITMIME] [AUTH=...] */
static void
smtpsink_mail(struct smtpsink_conn *c, const char *arg)
{
	const char	*p, *end;
	size_t		 digits;

	if (!c->greeted) {
		smtpsink_error(c, "503 5.5.1 send EHLO first");
		return;
	}
	if (c->in_mail) {
		smtpsink_error(c, "503 5.5.1 MAIL already given");
		return;
	}
	if ((p = smtpsink_path(arg, "FROM:", 1, c->from)) == NULL) {
		smtpsink_error(c, "501 5.5.4 expected MAIL FROM:<address>");
		return;
	}
	for (; *p != '\0'; p = end) {
		p += strspn(p, " ");
		end = p + strcspn(p, " ");
		if (strncasecmp(p, "SIZE=", 5) == 0) {
			digits = strspn(p + 5, "0123456789");
			if (digits == 0 || p + 5 + digits != end) {
				smtpsink_error(c, "501 5.5.4 bad SIZE");
				return;
			}
			if (digits > 9 ||
			    strtol(p + 5, NULL, 10) > SMTPSINK_MAX_MESSAGE) {
				smtpsink_reply(c, "552 5.3.4 message too big "
				    "(max %d bytes)", SMTPSINK_MAX_MESSAGE);
				return;
			}
		} else if (end > p && strncasecmp(p, "BODY=", 5) != 0 &&
		    strncasecmp(p, "AUTH=", 5) != 0) {
			smtpsink_error(c,
			    "555 5.5.4 unsupported MAIL parameter");
			return;
		}
	}
	c->in_mail = 1;
	smtpsink_reply(c, "250 2.1.0 Ok");
}

static void
smtpsink_rcpt(struct smtpsink_conn *c, const char *arg)
{
	const char	*p;

	if (!c->in_mail) {
		smtpsink_error(c, "503 5.5.1 send MAIL first");
		return;
	}
	if (c->nrcpt == SMTPSINK_MAX_RCPT) {
		smtpsink_reply(c, "452 4.5.3 too many recipients");
		return;
	}
	if ((p = smtpsink_path(arg, "TO:", 0, c->rcpt[c->nrcpt])) == NULL) {
		smtpsink_error(c, "501 5.5.4 expected RCPT TO:<address>");
		return;
	}
	if (*p != '\0') {
		smtpsink_error(c, "555 5.5.4 RCPT parameters not supported");
		return;
	}
	c->nrcpt++;
	smtpsink_reply(c, "250 2.1.5 Ok");
}

static void
smtpsink_data(struct smtpsink_conn *c, const char *arg)
{
	size_t		 i;
	int		 fd;

	if (*arg != '\0') {
		smtpsink_error(c, "501 5.5.4 DATA takes no argument");
		return;
	}
	if (c->nrcpt == 0) {
		smtpsink_error(c, "503 5.5.1 send RCPT first");
		return;
	}
	if (smtpsink_seq == SMTPSINK_MAX_SEQ) {
		smtpsink_reply(c, "452 4.3.1 the sink is full");
		return;
	}
	(void)snprintf(c->tmp, sizeof(c->tmp), "%s/.tmp-XXXXXX", smtpsink_dir);
	if ((fd = mkostemp(c->tmp, O_CLOEXEC)) == -1 ||
	    (c->msg = fdopen(fd, "w")) == NULL) {
		fprintf(stderr, "smtpsink: %s: %s\n", c->tmp, strerror(errno));
		if (fd != -1) {
			close(fd);
			unlink(c->tmp);
		}
		smtpsink_reply(c, "452 4.3.1 cannot store the message");
		return;
	}
	fprintf(c->msg, "X-Sink-Envelope: from=<%s> to=", c->from);
	for (i = 0; i < c->nrcpt; i++)
		fprintf(c->msg, "%s<%s>", i > 0 ? "," : "", c->rcpt[i]);
	fprintf(c->msg, "\r\n");
	c->msglen = 0;
	c->refusal = SMTPSINK_ACCEPT;
	c->state = SMTPSINK_DATA;
	smtpsink_reply(c, "354 end data with <CR><LF>.<CR><LF>");
}

static void
smtpsink_rset(struct smtpsink_conn *c, const char *arg)
{
	smtpsink_reset(c);
	smtpsink_reply(c, "250 2.0.0 Ok");
}

static void
smtpsink_noop(struct smtpsink_conn *c, const char *arg)
{
	smtpsink_reply(c, "250 2.0.0 Ok");
}

static void
smtpsink_quit(struct smtpsink_conn *c, const char *arg)
{
	smtpsink_reply(c, "221 2.0.0 Bye");
	c->closing = 1;
}

/*
 * Not advertised, and libcurl only authenticates when it is; other
 * clients may try anyway, so PLAIN and LOGIN take any credentials.
 * Nothing of them is kept.
 */
static void
smtpsink_auth(struct smtpsink_conn *c, const char *arg)
{
	const char	*ir;
	size_t		 mlen;

	if (!c->greeted || c->authed || c->in_mail) {
		smtpsink_error(c, "503 5.5.1 AUTH not allowed now");
		return;
	}
	mlen = strcspn(arg, " ");
	ir = arg[mlen] == ' ' ? arg + mlen + 1 : NULL;
	if (mlen == 5 && strncasecmp(arg, "PLAIN", 5) == 0) {
		if (ir != NULL)
			smtpsink_auth_line(c, ir, 0);
		else {
			c->state = SMTPSINK_AUTH_PLAIN;
			smtpsink_reply(c, "334 ");
		}
	} else if (mlen == 5 && strncasecmp(arg, "LOGIN", 5) == 0) {
		c->state = SMTPSINK_AUTH_USER;
		if (ir != NULL)
			smtpsink_auth_line(c, ir, 0);
		else
			smtpsink_reply(c, "334 VXNlcm5hbWU6");	/* Username: */
	} else {
		smtpsink_error(c, "504 5.5.4 unrecognized authentication type");
	}
}

static void
smtpsink_auth_line(struct smtpsink_conn *c, const char *line, int overlong)
{
	if (overlong || strcmp(line, "*") == 0) {
		c->state = SMTPSINK_COMMAND;
		smtpsink_error(c, overlong ? "500 5.5.2 line too long" :
		    "501 5.0.0 authentication cancelled");
	} else if (c->state == SMTPSINK_AUTH_USER) {
		c->state = SMTPSINK_AUTH_PASS;
		smtpsink_reply(c, "334 UGFzc3dvcmQ6");	/* Password: */
	} else {
		c->state = SMTPSINK_COMMAND;
		c->authed = 1;
		smtpsink_reply(c, "235 2.7.0 authentication successful");
	}
}

/*
 * Parses "FROM:<path>" (or "TO:") into out, at most SMTPSINK_MAX_PATH bytes of
 * printable ASCII without angle brackets; "<>" only if empty is allowed.
 * Returns what follows (nothing, or a space and parameters), or NULL.
 */
static const char *
smtpsink_path(const char *arg, const char *prefix, int empty, char *out)
{
	size_t		 plen, len, i;

	plen = strlen(prefix);
	if (strncasecmp(arg, prefix, plen) != 0)
		return (NULL);
	arg += plen;
	while (*arg == ' ')	/* "MAIL FROM: <a@x>", as some clients send */
		arg++;
	if (*arg++ != '<')
		return (NULL);
	len = strcspn(arg, ">");
	if (arg[len] != '>' || len > SMTPSINK_MAX_PATH || (len == 0 && !empty))
		return (NULL);
	for (i = 0; i < len; i++) {
		if (arg[i] <= ' ' || arg[i] > '~' || arg[i] == '<')
			return (NULL);
	}
	memcpy(out, arg, len);
	out[len] = '\0';
	arg += len + 1;
	if (*arg != '\0' && *arg != ' ')
		return (NULL);
	return (arg);
}

/* One line of the message, CRLF stripped; "." alone ends it. */
static void
smtpsink_data_line(struct smtpsink_conn *c, char *line, size_t len,
    int overlong)
{
	if (overlong) {
		smtpsink_refuse(c, SMTPSINK_TOO_LONG);
		return;
	}
	if (len == 1 && line[0] == '.') {
		smtpsink_data_end(c);
		return;
	}
	if (line[0] == '.') {		/* dot-stuffing, RFC 5321 4.5.2 */
		line++;
		len--;
	}
	if (c->refusal != SMTPSINK_ACCEPT)
		return;
	if (len + 2 > SMTPSINK_MAX_MESSAGE - c->msglen) {
		smtpsink_refuse(c, SMTPSINK_TOO_BIG);
		return;
	}
	c->msglen += len + 2;
	if (fwrite(line, 1, len, c->msg) != len ||
	    fwrite("\r\n", 1, 2, c->msg) != 2)
		smtpsink_refuse(c, SMTPSINK_NO_STORE);
}

static void
smtpsink_data_end(struct smtpsink_conn *c)
{
	char		 path[PATH_MAX];
	FILE		*msg;

	c->state = SMTPSINK_COMMAND;
	if (c->refusal == SMTPSINK_ACCEPT &&
	    (fflush(c->msg) != 0 || ferror(c->msg)))
		c->refusal = SMTPSINK_NO_STORE;
	switch (c->refusal) {
	case SMTPSINK_TOO_LONG:
		smtpsink_reply(c, "500 5.5.2 line too long (max %d bytes with "
		    "CRLF)", SMTPSINK_MAX_LINE);
		break;
	case SMTPSINK_TOO_BIG:
		smtpsink_reply(c, "552 5.3.4 message too big (max %d bytes)",
		    SMTPSINK_MAX_MESSAGE);
		break;
	case SMTPSINK_NO_STORE:
		smtpsink_reply(c, "452 4.3.1 cannot store the message");
		break;
	case SMTPSINK_ACCEPT:
		if (smtpsink_take_failure()) {
			smtpsink_reply(c, "451 4.3.0 try again later");
			break;
		}
		msg = c->msg;
		c->msg = NULL;
		(void)snprintf(path, sizeof(path), "%s/%06ld.eml", smtpsink_dir,
		    smtpsink_seq + 1);
		if (fclose(msg) != 0 || rename(c->tmp, path) == -1) {
			fprintf(stderr, "smtpsink: %s: %s\n", path,
			    strerror(errno));
			unlink(c->tmp);
			smtpsink_reply(c, "452 4.3.1 cannot store the message");
			break;
		}
		smtpsink_seq++;
		fprintf(stderr, "smtpsink: %06ld.eml from <%s>, %zu "
		    "recipient(s), %zu bytes\n", smtpsink_seq, c->from,
		    c->nrcpt, c->msglen);
		smtpsink_reply(c, "250 2.0.0 Ok: queued as %06ld",
		    smtpsink_seq);
		break;
	}
	smtpsink_reset(c);
}

static void
smtpsink_refuse(struct smtpsink_conn *c, enum smtpsink_refusal why)
{
	if (c->refusal == SMTPSINK_ACCEPT)
		c->refusal = why;
}

/* Drops the message being received, if any. */
static void
smtpsink_discard(struct smtpsink_conn *c)
{
	if (c->msg == NULL)
		return;
	fclose(c->msg);
	c->msg = NULL;
	unlink(c->tmp);
}

/* Ends the mail transaction (RFC 5321 4.1.4); the greeting stays. */
static void
smtpsink_reset(struct smtpsink_conn *c)
{
	smtpsink_discard(c);
	c->in_mail = 0;
	c->from[0] = '\0';
	c->nrcpt = 0;
	c->msglen = 0;
}

/*
 * Whether this message should fail: first the -f count, then the number
 * in dir/.fail, which is rewritten one lower (through a rename, so that a
 * test never reads half a number).
 */
static int
smtpsink_take_failure(void)
{
	if (smtpsink_fail_first > 0) {
		smtpsink_fail_first--;
		fprintf(stderr, "smtpsink: failing a message (-f, %ld more)\n",
		    smtpsink_fail_first);
		return (1);
	}
	return (smtpsink_fail_file());
}

static int
smtpsink_fail_file(void)
{
	char		 path[PATH_MAX], tmp[PATH_MAX], buf[32];
	ssize_t		 n;
	long		 left;
	FILE		*f;
	int		 fd;

	(void)snprintf(path, sizeof(path), "%s/.fail", smtpsink_dir);
	(void)snprintf(tmp, sizeof(tmp), "%s/.fail.tmp", smtpsink_dir);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	if (!smtpsink_number(buf, SMTPSINK_MAX_FAIL, &left)) {
		fprintf(stderr, "smtpsink: %s: expected a number, ignored\n",
		    path);
		return (0);
	}
	if (left == 0)
		return (0);
	if ((f = fopen(tmp, "w")) == NULL) {
		fprintf(stderr, "smtpsink: %s: %s\n", tmp, strerror(errno));
		return (0);
	}
	fprintf(f, "%ld\n", left - 1);
	if (fclose(f) != 0 || rename(tmp, path) == -1) {
		fprintf(stderr, "smtpsink: %s: %s\n", path, strerror(errno));
		unlink(tmp);
		return (0);
	}
	fprintf(stderr, "smtpsink: failing a message (.fail, %ld more)\n",
	    left - 1);
	return (1);
}
