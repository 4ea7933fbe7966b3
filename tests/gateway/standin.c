/*
 * standin: a stand-in for the payment gateway in tests and the demo.
 *
 *	standin -l host:port -s sk_... -p pk_... -w whsec_... [-u url]
 *	    [-k cafile] [-a AC...:token] [-K keys]
 *	standin -R port -w whsec_... -o file [-F n]
 *
 * The first form is the gateway (see README.md); the second receives its
 * webhooks on 127.0.0.1 and logs what it got. SIGTERM or SIGINT stop
 * either one cleanly: connections are closed, threads joined and memory
 * freed, so that the sanitizers can vouch for a whole run.
 */
#include <sys/resource.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "standin.h"

#define STANDIN_MAX_FILES	4096

static void	 standin_usage(void) __attribute__((noreturn));
static void	 standin_route(struct http_request *,
		    struct http_response *);
static void	*standin_signals(void *);
static void	 standin_raise_nofile(void);

static sigset_t	 standin_sigset;

int
main(int argc, char *argv[])
{
	const char	*listen, *secret, *publishable, *whsec, *url, *cafile;
	const char	*rport, *outfile, *sms;
	char		 addr[64], err[256];
	pthread_t	 sigthread;
	long		 fail_first, idem_max;
	int		 ch, ok;

	listen = secret = publishable = whsec = url = cafile = NULL;
	rport = outfile = sms = NULL;
	fail_first = 0;
	idem_max = IDEM_MAX_ENTRIES;
	while ((ch = getopt(argc, argv, "a:F:k:K:l:o:p:R:s:u:w:")) != -1) {
		switch (ch) {
		case 'a':
			sms = optarg;
			break;
		case 'F':
			if (!stripe_digits(optarg, 1, 6))
				standin_usage();
			fail_first = strtol(optarg, NULL, 10);
			break;
		case 'k':
			cafile = optarg;
			break;
		case 'K':
			/* Small values let a test see the oldest forgotten. */
			if (!stripe_digits(optarg, 1, 6) ||
			    (idem_max = strtol(optarg, NULL, 10)) < 1)
				standin_usage();
			break;
		case 'l':
			listen = optarg;
			break;
		case 'o':
			outfile = optarg;
			break;
		case 'p':
			publishable = optarg;
			break;
		case 'R':
			rport = optarg;
			break;
		case 's':
			secret = optarg;
			break;
		case 'u':
			url = optarg;
			break;
		case 'w':
			whsec = optarg;
			break;
		default:
			standin_usage();
		}
	}
	if (optind != argc || whsec == NULL)
		standin_usage();
	if (rport != NULL) {
		if (listen != NULL || outfile == NULL || sms != NULL)
			standin_usage();
		(void)snprintf(addr, sizeof(addr), "127.0.0.1:%s", rport);
		listen = addr;
	} else if (listen == NULL || secret == NULL || publishable == NULL ||
	    outfile != NULL) {
		standin_usage();
	}

	/* Signals go to one thread; the rest never see them. */
	sigemptyset(&standin_sigset);
	sigaddset(&standin_sigset, SIGTERM);
	sigaddset(&standin_sigset, SIGINT);
	pthread_sigmask(SIG_BLOCK, &standin_sigset, NULL);
	signal(SIGPIPE, SIG_IGN);
	standin_raise_nofile();
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "standin: curl_global_init failed\n");
		return (1);
	}

	if (rport != NULL) {
		ok = receiver_init(whsec, outfile, fail_first);
		if (!ok)
			fprintf(stderr, "standin: cannot open %s\n", outfile);
	} else {
		idem_init((size_t)idem_max);
		ok = store_init() && api_init(secret, publishable) &&
		    webhook_init(url, whsec, cafile);
		if (!ok)
			fprintf(stderr, "standin: bad keys (sk_, pk_, whsec_) "
			    "or webhook URL, or out of memory\n");
		else if (!(ok = sms_init(sms)))
			fprintf(stderr, "standin: -a: expected AC...:token\n");
	}
	if (ok && !server_listen(listen, err, sizeof(err))) {
		fprintf(stderr, "standin: %s\n", err);
		ok = 0;
	}
	if (ok && pthread_create(&sigthread, NULL, standin_signals, NULL)) {
		fprintf(stderr, "standin: cannot start the signal thread\n");
		ok = 0;
	}

	if (ok) {
		fprintf(stderr, "standin: %s on %s\n",
		    rport != NULL ? "receiving" : "listening", listen);
		server_run(rport != NULL ? receiver_handle : standin_route);
		/* Wakes the signal thread if the server stopped on its own. */
		pthread_kill(sigthread, SIGTERM);
		pthread_join(sigthread, NULL);
	}

	if (rport != NULL) {
		receiver_cleanup();
	} else {
		webhook_cleanup();
		idem_cleanup();
		store_cleanup();
		api_cleanup();
		sms_cleanup();
	}
	curl_global_cleanup();
	return (ok ? 0 : 1);
}

static void
standin_route(struct http_request *req, struct http_response *resp)
{
	if (strcmp(req->path, "/_control") == 0 ||
	    strncmp(req->path, "/_control/", 10) == 0) {
		control_handle(req, resp);
	} else if (strncmp(req->path, "/v1/", 4) == 0) {
		api_handle(req, resp);
	} else if (strncmp(req->path, "/2010-04-01/", 12) == 0) {
		sms_handle(req, resp);
	} else {
		resp->status = 404;
		stripe_error(&resp->body, "invalid_request_error", NULL, NULL,
		    "Unrecognized request URL.");
	}
}

static void *
standin_signals(void *arg)
{
	int		 sig;

	while (sigwait(&standin_sigset, &sig) != 0)
		;
	server_stop();
	return (NULL);
}

/* 1024 connections need more descriptors than the usual soft limit. */
static void
standin_raise_nofile(void)
{
	struct rlimit	 rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return;
	if (rl.rlim_cur < STANDIN_MAX_FILES) {
		rl.rlim_cur = rl.rlim_max < STANDIN_MAX_FILES ? rl.rlim_max :
		    STANDIN_MAX_FILES;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static void
standin_usage(void)
{
	fprintf(stderr, "usage: standin -l host:port -s sk_... -p pk_... "
	    "-w whsec_... [-u url] [-k cafile]\n"
	    "       [-a AC...:token] [-K keys]\n"
	    "       standin -R port -w whsec_... -o file [-F n]\n");
	exit(2);
}
