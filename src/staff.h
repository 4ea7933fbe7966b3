#ifndef PAYPORTAL_STAFF_H
#define PAYPORTAL_STAFF_H

struct http_request;

int	staff_prepare_worker(void);
int	staff_page(struct http_request *);

#endif
