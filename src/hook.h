#ifndef PAYPORTAL_HOOK_H
#define PAYPORTAL_HOOK_H

struct http_request;

int	hook_gateway(struct http_request *);

#endif
