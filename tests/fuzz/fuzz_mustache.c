/*
 * libFuzzer harness for src/mustache.c. The input up to its first NUL byte
 * is a template named "t", the rest a partial named "p" (either may
 * include the other, or itself). What compiles is rendered twice against a
 * small fixed data tree; both renders must agree. The render limits are
 * lowered so that runaway templates end quickly and fuzzing stays fast.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mustache.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct mustache_value	*fuzz_data(void);

static struct mustache_value *
fuzz_data(void)
{
	struct mustache_value	*root, *list, *item, *m, *node;

	root = mustache_map();
	mustache_set_str(root, "name", "<b>Tom & \"Jerry\"</b> 'x'");
	mustache_set_bool(root, "yes", 1);
	mustache_set_bool(root, "no", 0);
	mustache_set(root, "nil", mustache_null());
	mustache_set_str(root, "empty", "");
	mustache_set(root, "none", mustache_list());

	list = mustache_set(root, "list", mustache_list());
	item = mustache_push(list, mustache_map());
	mustache_set_str(item, "name", "a");
	m = mustache_set(item, "list", mustache_list());
	mustache_push(m, mustache_str("x"));
	mustache_push(m, mustache_str("y"));
	item = mustache_push(list, mustache_map());
	mustache_set_strf(item, "name", "%d", 2);
	mustache_push(list, mustache_str("c"));
	mustache_push(mustache_push(list, mustache_list()), mustache_str("d"));

	m = mustache_set(root, "m", mustache_map());
	mustache_set_str(mustache_set(m, "m", mustache_map()), "name", "deep");
	mustache_set_str(m, "n", "1");

	node = mustache_push(mustache_set(root, "nodes", mustache_list()),
	    mustache_map());
	mustache_set_str(node, "name", "n1");
	node = mustache_push(mustache_set(node, "nodes", mustache_list()),
	    mustache_map());
	mustache_set_str(node, "name", "n2");
	mustache_set(node, "nodes", mustache_list());
	return (root);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct mustache_value	*ctx;
	struct mustache_set		*set;
	struct strbuf			 a, b;
	const uint8_t			*sep;
	size_t				 tlen;
	int				 ok;
	char				 err[256];

	if (ctx == NULL)
		ctx = fuzz_data();

	sep = memchr(data, '\0', len);
	tlen = sep == NULL ? len : (size_t)(sep - data);

	set = mustache_set_new();
	mustache_set_limits(set, 64 * 1024, 256 * 1024);
	if (sep != NULL) {
		(void)mustache_set_add(set, "p", (const char *)sep + 1,
		    len - tlen - 1, err, sizeof(err));
	}
	if (!mustache_set_add(set, "t", (const char *)data, tlen, err,
	    sizeof(err))) {
		mustache_set_free(set);
		return (0);
	}

	strbuf_init(&a);
	strbuf_init(&b);
	ok = mustache_render(set, "t", ctx, &a, err, sizeof(err));
	if (ok != mustache_render(set, "t", ctx, &b, err, sizeof(err)) ||
	    a.len != b.len || (a.len > 0 && memcmp(a.data, b.data, a.len)))
		abort();
	if (!ok && a.len != 0)
		abort();

	strbuf_free(&a);
	strbuf_free(&b);
	mustache_set_free(set);
	return (0);
}
