/*
 * HTTP/1.1 for one connection: reads a request within the size and time
 * limits, parses it in place, writes a response. Persistent connections and
 * pipelining work; chunked request bodies are refused, since no client of
 * the stand-in sends them.
 */
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "standin.h"

#define HTTP_IN_CAP	(HTTP_MAX_HEAD + HTTP_MAX_BODY)

static int64_t	 http_now_ms(void);
static int	 http_fill(struct http_conn *, int64_t);
static char	*http_head_end(char *, size_t);
static int	 http_parse_head(struct http_request *, char *, size_t *);
static int	 http_parse_line(struct http_request *, char *);
static int	 http_parse_header(struct http_request *, char *);
static int	 http_body_length(const struct http_request *, size_t *);
static int	 http_has_token(const char *, const char *);
static int	 http_tchar(int);
static int	 http_write(int, const char *, size_t);
static const char	*http_reason(int);

int
http_conn_init(struct http_conn *c, int fd, int loopback)
{
	c->fd = fd;
	c->loopback = loopback;
	c->inlen = 0;
	c->consumed = 0;
	if ((c->in = malloc(HTTP_IN_CAP)) == NULL)
		return (0);
	return (1);
}

void
http_conn_free(struct http_conn *c)
{
	free(c->in);
	c->in = NULL;
}

static int64_t
http_now_ms(void)
{
	struct timespec	 ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* Reads what has arrived: 1 some bytes, 0 EOF, -1 error, -2 deadline passed. */
static int
http_fill(struct http_conn *c, int64_t deadline)
{
	struct pollfd	 pfd;
	int64_t		 left;
	ssize_t		 n;
	int		 r;

	if (c->inlen == HTTP_IN_CAP)
		return (-1);
	for (;;) {
		if ((left = deadline - http_now_ms()) <= 0)
			return (-2);
		pfd.fd = c->fd;
		pfd.events = POLLIN;
		if ((r = poll(&pfd, 1, (int)left)) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		if (r == 0)
			return (-2);
		n = recv(c->fd, c->in + c->inlen, HTTP_IN_CAP - c->inlen, 0);
		if (n == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return (-1);
		}
		if (n == 0)
			return (0);
		c->inlen += (size_t)n;
		return (1);
	}
}

/* The blank line that ends the head, or NULL if it has not arrived yet. */
static char *
http_head_end(char *s, size_t len)
{
	size_t		 i;

	for (i = 0; i + 4 <= len; i++) {
		if (memcmp(s + i, "\r\n\r\n", 4) == 0)
			return (s + i);
	}
	return (NULL);
}

/*
 * Returns HTTP_READ_OK with req pointing into the connection's buffer,
 * HTTP_READ_CLOSED when the peer went away or idled out between requests,
 * or HTTP_READ_ERROR with the status to answer before closing.
 */
int
http_read_request(struct http_conn *c, struct http_request *req, int *status)
{
	int64_t		 deadline;
	size_t		 hlen, clen, scan;
	char		*end;
	const char	*expect;
	int		 r;

	if (c->consumed > 0) {
		memmove(c->in, c->in + c->consumed, c->inlen - c->consumed);
		c->inlen -= c->consumed;
		c->consumed = 0;
	}
	memset(req, 0, sizeof(*req));
	req->loopback = c->loopback;

	if (c->inlen == 0) {
		r = http_fill(c, http_now_ms() + HTTP_IDLE_MS);
		if (r <= 0)
			return (HTTP_READ_CLOSED);
	}
	deadline = http_now_ms() + HTTP_READ_MS;

	scan = 0;
	for (;;) {
		hlen = c->inlen < HTTP_MAX_HEAD ? c->inlen : HTTP_MAX_HEAD;
		if ((end = http_head_end(c->in + scan, hlen - scan)) != NULL)
			break;
		scan = hlen < 3 ? 0 : hlen - 3;
		if (c->inlen >= HTTP_MAX_HEAD) {
			*status = 431;
			return (HTTP_READ_ERROR);
		}
		if ((r = http_fill(c, deadline)) <= 0) {
			*status = 408;
			return (r == -2 ? HTTP_READ_ERROR : HTTP_READ_CLOSED);
		}
	}
	hlen = (size_t)(end - c->in) + 4;
	end[2] = '\0';
	if ((*status = http_parse_head(req, c->in, &clen)) != 0)
		return (HTTP_READ_ERROR);

	expect = http_header(req, "Expect");
	if (expect != NULL && strcasecmp(expect, "100-continue") == 0 &&
	    c->inlen < hlen + clen) {
		if (!http_write(c->fd, "HTTP/1.1 100 Continue\r\n\r\n", 25))
			return (HTTP_READ_CLOSED);
	}
	while (c->inlen < hlen + clen) {
		if ((r = http_fill(c, deadline)) <= 0) {
			*status = 408;
			return (r == -2 ? HTTP_READ_ERROR : HTTP_READ_CLOSED);
		}
	}
	req->body = c->in + hlen;
	req->bodylen = clen;
	c->consumed = hlen + clen;
	return (HTTP_READ_OK);
}

/* Parses the NUL-terminated head in place; returns 0 or a status to answer. */
static int
http_parse_head(struct http_request *req, char *head, size_t *clen)
{
	char		*line, *next;
	int		 first, status;

	first = 1;
	for (line = head; *line != '\0'; line = next) {
		if ((next = strstr(line, "\r\n")) == NULL)
			return (400);
		*next = '\0';
		next += 2;
		if (first) {
			if ((status = http_parse_line(req, line)) != 0)
				return (status);
			first = 0;
		} else if ((status = http_parse_header(req, line)) != 0) {
			return (status);
		}
	}
	if (first)
		return (400);
	if (http_header(req, "Transfer-Encoding") != NULL)
		return (501);
	return (http_body_length(req, clen));
}

static int
http_parse_line(struct http_request *req, char *line)
{
	char		*sp, *target, *version;
	size_t		 i;

	if ((sp = strchr(line, ' ')) == NULL || sp == line || sp - line > 16)
		return (400);
	*sp = '\0';
	for (i = 0; line[i] != '\0'; i++) {
		if (line[i] < 'A' || line[i] > 'Z')
			return (400);
	}
	req->method = line;

	target = sp + 1;
	if (*target != '/' || (sp = strchr(target, ' ')) == NULL)
		return (400);
	*sp = '\0';
	version = sp + 1;
	for (i = 0; target[i] != '\0'; i++) {
		if (target[i] <= 0x20 || target[i] >= 0x7f)
			return (400);
	}
	req->path = target;
	if ((sp = strchr(target, '?')) != NULL) {
		*sp = '\0';
		req->query = sp + 1;
	} else {
		req->query = target + i;
	}

	if (strcmp(version, "HTTP/1.1") == 0)
		req->keepalive = 1;
	else if (strcmp(version, "HTTP/1.0") == 0)
		req->keepalive = 0;
	else
		return (505);
	return (0);
}

static int
http_parse_header(struct http_request *req, char *line)
{
	char		*colon, *value, *end;
	size_t		 i;

	if (req->nheaders == HTTP_MAX_HEADERS)
		return (431);
	if ((colon = strchr(line, ':')) == NULL || colon == line)
		return (400);
	*colon = '\0';
	for (i = 0; line[i] != '\0'; i++) {
		if (!http_tchar((unsigned char)line[i]))
			return (400);
	}
	value = colon + 1;
	while (*value == ' ' || *value == '\t')
		value++;
	for (i = 0; value[i] != '\0'; i++) {
		if (((unsigned char)value[i] < 0x20 && value[i] != '\t') ||
		    value[i] == 0x7f)
			return (400);
	}
	end = value + i;
	while (end > value && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';

	req->headers[req->nheaders].name = line;
	req->headers[req->nheaders].value = value;
	req->nheaders++;

	if (strcasecmp(line, "Connection") == 0) {
		if (http_has_token(value, "close"))
			req->keepalive = 0;
		else if (http_has_token(value, "keep-alive"))
			req->keepalive = 1;
	}
	return (0);
}

/* Content-Length, present once at most, digits only, within the limit. */
static int
http_body_length(const struct http_request *req, size_t *clen)
{
	size_t		 i, seen;
	const char	*v;

	*clen = 0;
	seen = 0;
	for (i = 0; i < req->nheaders; i++) {
		if (strcasecmp(req->headers[i].name, "Content-Length") != 0)
			continue;
		if (seen++)
			return (400);
		v = req->headers[i].value;
		if (*v == '\0')
			return (400);
		for (; *v != '\0'; v++) {
			if (*v < '0' || *v > '9')
				return (400);
			*clen = *clen * 10 + (size_t)(*v - '0');
			if (*clen > HTTP_MAX_BODY)
				return (413);
		}
	}
	return (0);
}

static int
http_has_token(const char *list, const char *token)
{
	size_t		 len;
	const char	*p;

	len = strlen(token);
	for (p = list; *p != '\0'; p++) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (strncasecmp(p, token, len) == 0 &&
		    (p[len] == '\0' || p[len] == ',' || p[len] == ' '))
			return (1);
		if ((p = strchr(p, ',')) == NULL)
			break;
	}
	return (0);
}

static int
http_tchar(int c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return (1);
	return (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

const char *
http_header(const struct http_request *req, const char *name)
{
	size_t		 i;

	for (i = 0; i < req->nheaders; i++) {
		if (strcasecmp(req->headers[i].name, name) == 0)
			return (req->headers[i].value);
	}
	return (NULL);
}

void
http_response_init(struct http_response *resp)
{
	resp->status = 500;
	resp->drop = 0;
	strbuf_init(&resp->headers);
	strbuf_init(&resp->body);
}

void
http_response_free(struct http_response *resp)
{
	strbuf_free(&resp->headers);
	strbuf_free(&resp->body);
}

void
http_response_header(struct http_response *resp, const char *name,
    const char *value)
{
	strbuf_appendf(&resp->headers, "%s: %s\r\n", name, value);
}

int
http_send(struct http_conn *c, const struct http_request *req,
    struct http_response *resp)
{
	struct strbuf	 out;
	char		 reqid[STRIPE_ID_LEN];
	int		 ok;

	if (resp->headers.failed || resp->body.failed)
		return (http_send_error(c, 500));

	stripe_id(reqid, sizeof(reqid), "req");
	strbuf_init(&out);
	strbuf_appendf(&out, "HTTP/1.1 %d %s\r\nRequest-Id: %s\r\n",
	    resp->status, http_reason(resp->status), reqid);
	if (resp->status != 204) {
		strbuf_appendf(&out, "Content-Type: application/json\r\n"
		    "Content-Length: %zu\r\n", resp->body.len);
	}
	strbuf_append(&out, resp->headers.data, resp->headers.len);
	strbuf_appendf(&out, "Connection: %s\r\n\r\n",
	    req->keepalive ? "keep-alive" : "close");
	if (resp->status != 204)
		strbuf_append(&out, resp->body.data, resp->body.len);

	ok = !out.failed && http_write(c->fd, out.data, out.len);
	strbuf_free(&out);
	return (ok);
}

/* Answers a request that could not be read or handled; the caller closes. */
int
http_send_error(struct http_conn *c, int status)
{
	char		 body[128], msg[384];
	int		 blen, n;

	blen = snprintf(body, sizeof(body),
	    "{\"error\":{\"type\":\"%s\",\"message\":\"%s\"}}",
	    status >= 500 ? "api_error" : "invalid_request_error",
	    http_reason(status));
	if (blen < 0 || (size_t)blen >= sizeof(body))
		return (0);
	n = snprintf(msg, sizeof(msg), "HTTP/1.1 %d %s\r\n"
	    "Content-Type: application/json\r\nContent-Length: %d\r\n"
	    "Connection: close\r\n\r\n%s",
	    status, http_reason(status), blen, body);
	if (n < 0 || (size_t)n >= sizeof(msg))
		return (0);
	return (http_write(c->fd, msg, (size_t)n));
}

static int
http_write(int fd, const char *data, size_t len)
{
	struct pollfd	 pfd;
	int64_t		 deadline, left;
	ssize_t		 n;

	deadline = http_now_ms() + HTTP_WRITE_MS;
	while (len > 0) {
		n = send(fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			data += n;
			len -= (size_t)n;
			continue;
		}
		if (n == -1 && errno != EAGAIN && errno != EINTR)
			return (0);
		if ((left = deadline - http_now_ms()) <= 0)
			return (0);
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, (int)left) == -1 && errno != EINTR)
			return (0);
	}
	return (1);
}

static const char *
http_reason(int status)
{
	switch (status) {
	case 100:
		return ("Continue");
	case 200:
		return ("OK");
	case 201:
		return ("Created");
	case 204:
		return ("No Content");
	case 400:
		return ("Bad Request");
	case 401:
		return ("Unauthorized");
	case 402:
		return ("Payment Required");
	case 403:
		return ("Forbidden");
	case 404:
		return ("Not Found");
	case 405:
		return ("Method Not Allowed");
	case 408:
		return ("Request Timeout");
	case 409:
		return ("Conflict");
	case 413:
		return ("Payload Too Large");
	case 431:
		return ("Request Header Fields Too Large");
	case 500:
		return ("Internal Server Error");
	case 501:
		return ("Not Implemented");
	case 505:
		return ("HTTP Version Not Supported");
	default:
		return ("Unknown");
	}
}
