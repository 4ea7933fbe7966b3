/*
 * What every response of the portal shares: the security headers of
 * DESIGN.md, rendering a template into a response, the error pages, the
 * client's address as the TLS proxy saw it, and the compiled-in assets.
 */
#include <sys/socket.h>

#include <arpa/inet.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "conf.h"
#include "embed.h"
#include "portal.h"
#include "render.h"
#include "strbuf.h"
#include "web.h"

#define WEB_BODY_MAX	65536

static char		web_csp[1024];

static const char	*web_csp_value(void);

static const char	*web_asset_type(const char *);

/*
 * No inline script or style, nothing framed, forms only to us; the one
 * other origin a page may talk to is the gateway, which takes card details
 * straight from the browser.
 */
static const char *
web_csp_value(void)
{
	const char	*gw, *p;
	int		 n;

	if (web_csp[0] != '\0')
		return (web_csp);
	gw = portal_conf.gateway_browser_url != NULL ?
	    portal_conf.gateway_browser_url : portal_conf.gateway_url;
	n = 0;
	if (gw != NULL && (p = strstr(gw, "://")) != NULL)
		n = (int)(strcspn(p + 3, "/") + (size_t)(p + 3 - gw));
	(void)snprintf(web_csp, sizeof(web_csp), "default-src 'none'; "
	    "script-src 'self'; style-src 'self'; img-src 'self' data:; "
	    "font-src 'self'; connect-src 'self'%s%.*s; form-action 'self'; "
	    "base-uri 'none'; frame-ancestors 'none'", n > 0 ? " " : "", n,
	    n > 0 ? gw : "");
	return (web_csp);
}

/* Sent on every public response, errors and assets included. */
void
web_security_headers(struct http_request *req)
{
	http_response_header(req, "content-security-policy", web_csp_value());
	http_response_header(req, "referrer-policy", "no-referrer");
	http_response_header(req, "x-robots-tag", "noindex, nofollow");
	http_response_header(req, "strict-transport-security",
	    "max-age=63072000; includeSubDomains");
	http_response_header(req, "x-content-type-options", "nosniff");
	http_response_header(req, "x-frame-options", "DENY");
	http_response_header(req, "cross-origin-opener-policy", "same-origin");
	http_response_header(req, "permissions-policy",
	    "camera=(), microphone=(), geolocation=()");
}

void
web_render(struct http_request *req, int status, const char *tmpl,
    struct mustache_value *ctx)
{
	struct strbuf	out;

	/* The business's logo (Settings), wherever a page shows its name. */
	if (portal_conf.logo_db[0] != '\0')
		mustache_set_strf(ctx, "site_logo", "/logo/%s",
		    portal_conf.logo_db);
	strbuf_init(&out);
	if (!render_page(tmpl, ctx, &out)) {
		kore_log(LOG_ERR, "rendering %s failed", tmpl);
		strbuf_free(&out);
		mustache_value_free(ctx);
		if (status != HTTP_STATUS_INTERNAL_ERROR) {
			web_error(req, HTTP_STATUS_INTERNAL_ERROR);
		} else {
			web_security_headers(req);
			http_response(req, status, NULL, 0);
		}
		return;
	}
	mustache_value_free(ctx);
	web_security_headers(req);
	http_response_header(req, "cache-control", "no-store");
	http_response_header(req, "content-type", "text/html; charset=utf-8");
	http_response(req, status, out.data, out.len);
	strbuf_free(&out);
}

/*
 * One page per status. 404 answers a bad token, an unknown link and an
 * invoice outside the link's scope alike, so nothing can be probed.
 */
void
web_error(struct http_request *req, int status)
{
	struct mustache_value	*ctx;

	ctx = mustache_map();
	switch (status) {
	case HTTP_STATUS_NOT_FOUND:
		mustache_set_bool(ctx, "not_found", 1);
		break;
	case HTTP_STATUS_GONE:
		mustache_set_bool(ctx, "gone", 1);
		break;
	case HTTP_STATUS_METHOD_NOT_ALLOWED:
		mustache_set_bool(ctx, "method", 1);
		break;
	case HTTP_STATUS_BAD_REQUEST:
		mustache_set_bool(ctx, "bad_request", 1);
		break;
	case HTTP_STATUS_FORBIDDEN:
		mustache_set_bool(ctx, "forbidden", 1);
		break;
	case HTTP_STATUS_SERVICE_UNAVAILABLE:
		mustache_set_bool(ctx, "busy", 1);
		break;
	default:
		status = HTTP_STATUS_INTERNAL_ERROR;
		mustache_set_bool(ctx, "internal", 1);
		break;
	}
	mustache_set_strf(ctx, "status", "%d", status);
	web_render(req, status, "error", ctx);
}

/*
 * The client's address. Behind the TLS proxy the peer is the proxy, which
 * sets X-Forwarded-For to the address it saw; that header is believed only
 * from a configured proxy address, never from anyone else.
 */
int
web_client_addr(struct http_request *req, char *buf, size_t len)
{
	const char	*xff, *last;
	char		 peer[WEB_ADDR_MAX], cand[WEB_ADDR_MAX + 1];
	unsigned char	 bin[sizeof(struct in6_addr)];
	size_t		 i, n;
	int		 trusted;

	peer[0] = '\0';
	switch (req->owner->family) {
	case AF_INET:
		(void)inet_ntop(AF_INET, &req->owner->addr.ipv4.sin_addr,
		    peer, sizeof(peer));
		break;
	case AF_INET6:
		(void)inet_ntop(AF_INET6, &req->owner->addr.ipv6.sin6_addr,
		    peer, sizeof(peer));
		break;
	default:
		return (0);
	}

	trusted = 0;
	for (i = 0; i < portal_conf.ntrusted; i++) {
		if (!strcmp(peer, portal_conf.trusted_proxies[i]))
			trusted = 1;
	}
	if (trusted && http_request_header(req, "x-forwarded-for", &xff)) {
		/* The proxy appends: the rightmost entry is the one it saw. */
		last = strrchr(xff, ',');
		last = last ? last + 1 : xff;
		while (*last == ' ')
			last++;
		n = strcspn(last, " ");
		if (n < sizeof(cand)) {
			memcpy(cand, last, n);
			cand[n] = '\0';
			if (inet_pton(AF_INET, cand, bin) == 1 ||
			    inet_pton(AF_INET6, cand, bin) == 1) {
				(void)snprintf(buf, len, "%s", cand);
				return (1);
			}
		}
	}
	(void)snprintf(buf, len, "%s", peer);
	return (1);
}

/* Printable ASCII only and bounded, so the log table holds what it shows. */
void
web_user_agent(struct http_request *req, char *buf, size_t len)
{
	const char	*ua;
	size_t		 i;

	ua = req->agent != NULL ? req->agent : "";
	for (i = 0; ua[i] != '\0' && i + 1 < len; i++)
		buf[i] = (ua[i] >= 0x20 && ua[i] < 0x7f) ? ua[i] : '?';
	buf[i] = '\0';
}

int
web_method(struct http_request *req, int allowed)
{
	if (req->method & allowed)
		return (1);
	http_response_header(req, "allow",
	    (allowed & HTTP_METHOD_POST) ? "POST" : "GET, HEAD");
	web_error(req, HTTP_STATUS_METHOD_NOT_ALLOWED);
	return (0);
}

/*
 * The request body, every byte of it (a signature covers them all), with
 * a NUL after it for the parsers; the caller frees it with kore_free.
 */
int
web_body(struct http_request *req, char **out, size_t *outlen)
{
	return (web_body_upto(req, WEB_BODY_MAX, out, outlen));
}

/* The same, for the one form that carries a file: a larger limit. */
int
web_body_upto(struct http_request *req, size_t max, char **out,
    size_t *outlen)
{
	struct kore_buf	 buf;
	char		 chunk[4096];
	ssize_t		 n;

	kore_buf_init(&buf, 1024);
	for (;;) {
		n = http_body_read(req, chunk, sizeof(chunk));
		if (n == -1 || buf.offset + (size_t)n > max) {
			kore_buf_cleanup(&buf);
			return (0);
		}
		if (n == 0)
			break;
		kore_buf_append(&buf, chunk, (size_t)n);
	}
	*outlen = buf.offset;
	*out = kore_malloc(buf.offset + 1);
	if (buf.offset > 0)
		memcpy(*out, buf.data, buf.offset);
	(*out)[buf.offset] = '\0';
	kore_buf_cleanup(&buf);
	return (1);
}

static const char *
web_asset_type(const char *name)
{
	const char	*ext;

	if ((ext = strrchr(name, '.')) == NULL)
		return (NULL);
	if (!strcmp(ext, ".css"))
		return ("text/css; charset=utf-8");
	if (!strcmp(ext, ".js"))
		return ("text/javascript; charset=utf-8");
	if (!strcmp(ext, ".svg"))
		return ("image/svg+xml");
	if (!strcmp(ext, ".png"))
		return ("image/png");
	if (!strcmp(ext, ".ico"))
		return ("image/x-icon");
	return (NULL);
}

int
web_asset(struct http_request *req)
{
	const struct embed_file	*f;
	const char		*type, *match;
	char			 path[128], etag[32];
	unsigned long		 h;
	size_t			 i;

	if (!web_method(req, HTTP_METHOD_GET | HTTP_METHOD_HEAD))
		return (KORE_RESULT_OK);
	if (strlen(req->path) >= sizeof(path)) {
		web_error(req, HTTP_STATUS_NOT_FOUND);
		return (KORE_RESULT_OK);
	}
	(void)snprintf(path, sizeof(path), "%s", req->path + 1);
	if ((f = embed_find(path)) == NULL ||
	    (type = web_asset_type(path)) == NULL) {
		web_error(req, HTTP_STATUS_NOT_FOUND);
		return (KORE_RESULT_OK);
	}
	/* A content hash as ETag: cheap revalidation after a deploy. */
	h = 5381;
	for (i = 0; i < f->len; i++)
		h = h * 33 + f->data[i];
	(void)snprintf(etag, sizeof(etag), "\"%lx\"", h);

	web_security_headers(req);
	http_response_header(req, "cache-control", "public, max-age=300");
	http_response_header(req, "etag", etag);
	if (http_request_header(req, "if-none-match", &match) &&
	    !strcmp(match, etag)) {
		http_response(req, HTTP_STATUS_NOT_MODIFIED, NULL, 0);
		return (KORE_RESULT_OK);
	}
	http_response_header(req, "content-type", type);
	http_response(req, HTTP_STATUS_OK, f->data, f->len);
	return (KORE_RESULT_OK);
}

int
web_health(struct http_request *req)
{
	http_response_header(req, "cache-control", "no-store");
	http_response_header(req, "content-type", "text/plain");
	http_response(req, HTTP_STATUS_OK, "ok\n", 3);
	return (KORE_RESULT_OK);
}

int
web_not_found(struct http_request *req)
{
	web_error(req, HTTP_STATUS_NOT_FOUND);
	return (KORE_RESULT_OK);
}
