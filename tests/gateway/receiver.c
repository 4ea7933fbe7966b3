/*
 * Receiver mode (-R): a webhook endpoint for tests. It checks each POST's
 * Stripe-Signature with the -w secret and appends one line per delivery to
 * the -o file: "<verdict> <status> <body>", where verdict is ok,
 * malformed, bad_signature or stale and status is what it answered (200
 * for ok, 400 otherwise, 500 for the first -F deliveries whatever their
 * verdict, so that tests can watch the sender retry).
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "standin.h"

static pthread_mutex_t	 receiver_lock = PTHREAD_MUTEX_INITIALIZER;
static int		 receiver_fd = -1;
static char		*receiver_secret;
static long		 receiver_fail_first;

int
receiver_init(const char *secret, const char *path, long fail_first)
{
	if ((receiver_secret = strdup(secret)) == NULL)
		return (0);
	receiver_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0644);
	receiver_fail_first = fail_first;
	return (receiver_fd != -1);
}

void
receiver_cleanup(void)
{
	if (receiver_fd != -1)
		close(receiver_fd);
	receiver_fd = -1;
	free(receiver_secret);
	receiver_secret = NULL;
}

void
receiver_handle(struct http_request *req, struct http_response *resp)
{
	enum webhook_verdict	 v;
	const char		*sig;
	struct strbuf		 line;
	size_t			 i;
	ssize_t			 n;

	if (strcmp(req->method, "POST") != 0) {
		resp->status = 405;
		stripe_error(&resp->body, "invalid_request_error", NULL, NULL,
		    "The receiver takes POST only.");
		return;
	}
	if ((sig = http_header(req, "Stripe-Signature")) == NULL)
		v = WEBHOOK_MALFORMED;
	else
		v = webhook_verify(sig, receiver_secret, req->body,
		    req->bodylen, time(NULL));
	resp->status = v == WEBHOOK_OK ? 200 : 400;

	strbuf_init(&line);
	pthread_mutex_lock(&receiver_lock);
	if (receiver_fail_first > 0) {
		receiver_fail_first--;
		resp->status = 500;
	}
	strbuf_appendf(&line, "%s %d ", webhook_verdict_name(v), resp->status);
	/* One delivery, one line, whatever the body holds. */
	for (i = 0; i < req->bodylen; i++) {
		if (req->body[i] == '\n' || req->body[i] == '\r')
			req->body[i] = ' ';
	}
	strbuf_append(&line, req->body, req->bodylen);
	strbuf_appends(&line, "\n");
	n = line.failed ? -1 : write(receiver_fd, line.data, line.len);
	pthread_mutex_unlock(&receiver_lock);
	if (n != (ssize_t)line.len) {
		fprintf(stderr, "standin: receiver could not log a delivery\n");
		resp->status = 500;
	}
	strbuf_free(&line);

	strbuf_appendf(&resp->body, "{\"received\":%s,\"verdict\":\"%s\"}",
	    resp->status == 200 ? "true" : "false", webhook_verdict_name(v));
}
