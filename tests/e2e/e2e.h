/*
 * Helpers for the end-to-end tests: real HTTPS requests through libcurl to
 * the stack that tests/e2e/stack.sh started (HAProxy, the portal built with
 * sanitizers, PostgreSQL), SQL through libpq, and pay links signed with the
 * stack's test keys.
 */
#ifndef PAYPORTAL_E2E_H
#define PAYPORTAL_E2E_H

#include <stdint.h>

#include <libpq-fe.h>

#include "linktoken.h"
#include "strbuf.h"

struct e2e_resp {
	long		status;
	struct strbuf	body;
	struct strbuf	headers;
};

struct e2e_req {
	const char	*method;	/* NULL: GET, or POST when body is set */
	const char	*path;
	const char	*body;
	const char	*user_agent;
	const char	*extra_header;
	const char	*cookie;	/* "name=value; ..." */
	const char	*accept;
	/* A multipart body: body's fields ("a=1&b=2", not encoded), then
	 * this file under file_field. */
	const char	*file_field;
	const void	*file_data;
	size_t		 file_len;
};

void		 e2e_init(void);
void		 e2e_worker(void);
const char	*e2e_env(const char *);
void		 e2e_http(const struct e2e_req *, struct e2e_resp *);
void		 e2e_get(const char *, struct e2e_resp *);
void		 e2e_post(const char *, const char *, struct e2e_resp *);
void		 e2e_resp_free(struct e2e_resp *);
const char	*e2e_header(struct e2e_resp *, const char *, char *, size_t);
int		 e2e_contains(struct e2e_resp *, const char *);
int		 e2e_before(struct e2e_resp *, const char *, const char *);

PGconn		*e2e_db(void);
void		 e2e_sql(const char *, int, const char **);
int		 e2e_sql_fails(const char *, char *, size_t);
long long	 e2e_count(const char *, int, const char **);
char		*e2e_value(const char *, int, const char **);

void		 e2e_key(const char *, enum link_key_state, struct link_key *);
void		 e2e_link(const char *, const char *, const char *, long long,
		    int, int64_t, const char *, char *, char *);
void		 e2e_sign(const char *, const char *, int64_t, char *);
int		 e2e_run(const char *, struct strbuf *);
void		 e2e_invariants(void);
void		 e2e_refund_invariants(void);

/*
 * A scenario that ends with the ledger invariants, checked in the test
 * itself: Criterion keeps a test's result when its teardown fails, so
 * invariants checked in a suite's .fini could never fail a test.
 */
#define E2E_TEST(suite, name, ...)					\
	static void e2e_scenario_##suite##_##name(void);		\
	Test(suite, name, ##__VA_ARGS__)				\
	{								\
		e2e_scenario_##suite##_##name();			\
		e2e_invariants();					\
	}								\
	static void e2e_scenario_##suite##_##name(void)

/* Payments: the checkout form, the gateway stand-in, the confirm POST. */
struct e2e_checkout {
	char	path[512];	/* "/pay/<token>" */
	char	attempt[64];
	char	csrf[64];
};
int		 e2e_review(const char *, const char *, struct e2e_checkout *,
		    struct e2e_resp *);
void		 e2e_pm(const char *, char *, size_t);
void		 e2e_pm_bank(const char *, char *, size_t);
void		 e2e_confirm(const struct e2e_checkout *, const char *,
		    const char *, const char *, struct e2e_resp *);
long long	 e2e_untouched(const char *);
void		 e2e_pending(long long, long long, const char *, const char *,
		    char *, char *, size_t, char *, size_t);
void		 e2e_checkout_new(long long, char *, size_t, char *, size_t,
		    struct e2e_checkout *, char *, size_t, char *, size_t);
void		 e2e_gateway_control(const char *);
void		 e2e_gateway_api(const char *, const char *, const char *,
		    struct strbuf *);
long long	 e2e_gateway_intents(const char *);
void		 e2e_fixture(const char *, const long long *, int, char *,
		    size_t, char *, size_t);
long long	 e2e_wait_count(const char *, const char *, long long, int);
int		 e2e_mail_count(const char *, int, struct strbuf *);
void		 e2e_html_value(struct e2e_resp *, const char *, char *,
		    size_t);

/* Refunds: a receipt paid through the portal, refund_begin, the outcome. */
struct e2e_paid {
	char		pre[32];	/* invoices "<pre>-1" ... */
	char		path[512];	/* "/pay/<token>" */
	char		attempt[64];
	char		receipt[32];	/* receipts.id */
	char		number[32];	/* "R2026-000001" */
	char		intent[64];
	long long	total;
	long long	fee;
};
void		 e2e_paid_receipt(const long long *, int,
		    struct e2e_paid *);
char		*e2e_refund_begin(const char *, const char *, const char *,
		    const char *, const char *, const char *);
void		 e2e_refund_id(char *);
char		*e2e_refund_wait(const char *, int);
void		 e2e_refund_all(const struct e2e_paid *, char *);
void		 e2e_refund_succeeds(const char *, int);
long long	 e2e_gateway_refunded(const char *);
long long	 e2e_gateway_refund_count(void);

/* The back office: a signed-in session and requests with it. */
struct e2e_staff {
	char	cookie[160];	/* "pp_session=..." */
	char	csrf[64];
};
long		 e2e_signin(const char *, const char *, struct e2e_staff *,
		    struct e2e_resp *);
long		 e2e_signin_from(const char *, const char *, const char *,
		    struct e2e_staff *, struct e2e_resp *);
void		 e2e_staff_req(const struct e2e_staff *, const char *,
		    const char *, const char *, struct e2e_resp *);
void		 e2e_json_field(struct e2e_resp *, const char *, char *, size_t);
void		 e2e_form_encode(const char *, char *, size_t);
int		 e2e_set_cookie(struct e2e_resp *, const char *, char *, size_t);
void		 e2e_staff_upload(const struct e2e_staff *, const char *,
		    const char *, const char *, const void *, size_t,
		    struct e2e_resp *);
void		 e2e_copy_link(const struct e2e_staff *, const char *, char *,
		    size_t, char *, size_t);
void		 e2e_send_link(const struct e2e_staff *, const char *,
		    const char *, const char *);
void		 e2e_as_admin(struct e2e_staff *);
void		 e2e_as_staff(struct e2e_staff *);

#endif
