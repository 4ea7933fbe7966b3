/*
 * Paying: the reservation (payment_begin), the gateway call, and settling
 * (payment_settle), as used by the customer's confirm request.
 */
#ifndef PAYPORTAL_PAY_H
#define PAYPORTAL_PAY_H

#include <kore/curl.h>

#include "form.h"
#include "gateway.h"
#include "payview.h"
#include "strbuf.h"

struct kore_pgsql;
struct http_request;

struct pay_begin {
	/* Parameters, kept alive while the query runs. */
	char		 method[16];
	char		 pm[128];
	struct strbuf	 numbers;
	struct strbuf	 amounts;

	/* payment_begin's answer. */
	char		 result[16];
	char		 field[80];
	char		 message[256];
	char		 state[16];
	char		 currency[4];
	int64_t		 amount, fee, total;
	char		 intent[64];
};

struct pay_call {
	struct kore_curl	 curl;
	int			 started;
	struct strbuf		 body;
};

void	pay_begin_params(struct pay_begin *, const struct pay_view *,
	    const struct form *, const char *, const char *, const char *,
	    const char *, const char **);
int	pay_begin_rows(struct pay_begin *, struct kore_pgsql *);
void	pay_begin_free(struct pay_begin *);
int	pay_begin_charge(const struct pay_begin *);
int	pay_begin_done(const struct pay_begin *);
int	pay_begin_gone(const struct pay_begin *);
int	pay_begin_limited(const struct pay_begin *);
void	pay_begin_explain(struct pay_begin *, struct pay_view *);

int	pay_call_start(struct pay_call *, struct http_request *,
	    const struct pay_begin *, const char *, const char *);
int	pay_call_finish(struct pay_call *, struct gateway_result *);
void	pay_call_cleanup(struct pay_call *);

int	pay_settle_rows(struct gateway_result *, struct kore_pgsql *);

#endif
