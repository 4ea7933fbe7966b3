/* The business's logo, served by its content hash. */
#ifndef PAYPORTAL_LOGO_H
#define PAYPORTAL_LOGO_H

struct http_request;

int	logo_serve(struct http_request *);

#endif
