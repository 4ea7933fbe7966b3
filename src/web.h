/* HTTP glue shared by every page: headers, rendering, errors, assets. */
#ifndef PAYPORTAL_WEB_H
#define PAYPORTAL_WEB_H

#include <netinet/in.h>

#include "mustache.h"

#define WEB_ADDR_MAX	INET6_ADDRSTRLEN
#define WEB_UA_MAX	512
#define WEB_UPLOAD_MAX	(384 * 1024)	/* bytes of a body with a file */

struct http_request;

void	web_security_headers(struct http_request *);
void	web_render(struct http_request *, int, const char *,
	    struct mustache_value *);
void	web_error(struct http_request *, int);
int	web_client_addr(struct http_request *, char *, size_t);
void	web_user_agent(struct http_request *, char *, size_t);
int	web_method(struct http_request *, int);
int	web_body(struct http_request *, char **, size_t *);
int	web_body_upto(struct http_request *, size_t, char **, size_t *);

int	web_asset(struct http_request *);
int	web_health(struct http_request *);
int	web_not_found(struct http_request *);

#endif
