/*
 * Mustache: a compiler from template source to a flat array of nodes (a
 * section's body is the nodes up to its "end"), and a renderer that walks
 * them. All the work of the spec's whitespace rules happens at compile
 * time, except the indentation of standalone partials: a compiled partial
 * may be used at several indentations, so the compiler marks every line
 * start with an INDENT node and the renderer emits the current indentation
 * there.
 */
#define _GNU_SOURCE	/* memmem(3) on glibc */

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mustache.h"

#define MUSTACHE_VALUE_NULL	0
#define MUSTACHE_VALUE_BOOL	1
#define MUSTACHE_VALUE_STR	2
#define MUSTACHE_VALUE_LIST	3
#define MUSTACHE_VALUE_MAP	4

#define MUSTACHE_NODE_TEXT	1
#define MUSTACHE_NODE_INDENT	2
#define MUSTACHE_NODE_VAR	3
#define MUSTACHE_NODE_RAW	4
#define MUSTACHE_NODE_SECTION	5
#define MUSTACHE_NODE_INVERTED	6
#define MUSTACHE_NODE_PARTIAL	7

#define MUSTACHE_QUOTE_MAX	64

struct mustache_entry {
	char			*key;
	size_t			 keylen;
	struct mustache_value	*value;
};

struct mustache_value {
	int			 type;
	int			 b;
	char			*str;
	size_t			 len;	/* string bytes, or items/entries */
	size_t			 cap;
	struct mustache_value	**items;
	struct mustache_entry	*entries;
};

/* One part of a dotted name, pointing into the template's source. */
struct mustache_part {
	const char		*s;
	size_t			 len;
};

struct mustache_node {
	int				 type;
	size_t				 line;
	const char			*str;	/* text, or the tag's name */
	size_t				 len;
	size_t				 part;	/* first name part in parts */
	size_t				 nparts;	/* 0 for "." */
	size_t				 end;	/* sections: after the body */
	int				 standalone;	/* partials only */
	const char			*indent;
	size_t				 indentlen;
	const struct mustache_tmpl	*partial;
};

struct mustache_tmpl {
	char			*name;
	size_t			 namelen;
	char			*src;
	struct mustache_node	*nodes;
	size_t			 nnodes;
	size_t			 nodecap;
	struct mustache_part	*parts;
	size_t			 nparts;
	size_t			 partcap;
};

struct mustache_set {
	struct mustache_tmpl	**tmpls;
	size_t			  len;
	size_t			  cap;
	size_t			  steps_max;
	size_t			  output_max;
};

struct mustache_compiler {
	struct mustache_tmpl	*t;
	const char		*src;
	size_t			 len;
	size_t			 pos;
	const char		*otag;
	size_t			 otaglen;
	const char		*ctag;
	size_t			 ctaglen;
	size_t			 line;		/* line number at linepos */
	size_t			 linepos;
	size_t			 open[MUSTACHE_NEST_MAX];
	size_t			 nopen;
	char			*err;
	size_t			 errlen;
};

struct mustache_render {
	const char			*name;
	const struct mustache_set	*set;
	struct strbuf			*out;
	size_t				 start;
	const struct mustache_value	*stack[MUSTACHE_DEPTH_MAX + 1];
	size_t				 nstack;
	size_t				 depth;
	struct mustache_part		 indent[MUSTACHE_DEPTH_MAX];
	size_t				 nindent;
	size_t				 indentbase;	/* first one in force */
	size_t				 steps;
	char				*err;
	size_t				 errlen;
};

static void	mustache_fatal(const char *) __attribute__((noreturn));
static void	*mustache_reserve(void *, size_t, size_t *, size_t);
static char	*mustache_strdup(const char *, size_t);
static void	mustache_error(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static int	mustache_isspace(char);
static int	mustache_qlen(size_t);
static struct mustache_value	*mustache_value_new(int);

static void	mustache_tmpl_free(struct mustache_tmpl *);
static struct mustache_tmpl	*mustache_find(const struct mustache_set *,
		    const char *, size_t);
static void	mustache_link(struct mustache_set *, struct mustache_tmpl *);

static int	mustache_compile(struct mustache_compiler *);
static int	mustache_compile_error(struct mustache_compiler *, size_t,
		    const char *, ...) __attribute__((format(printf, 3, 4)));
static size_t	mustache_lineno(struct mustache_compiler *, size_t);
static size_t	mustache_node(struct mustache_compiler *, int, size_t);
static void	mustache_text(struct mustache_compiler *, size_t, size_t);
static int	mustache_tag(struct mustache_compiler *, size_t);
static int	mustache_find_close(struct mustache_compiler *, size_t, char,
		    size_t *);
static void	mustache_trim(struct mustache_compiler *, size_t *, size_t *);
static int	mustache_word(struct mustache_compiler *, size_t, size_t);
static int	mustache_name(struct mustache_compiler *, size_t, size_t,
		    size_t, size_t);
static int	mustache_delimiters(struct mustache_compiler *, size_t,
		    size_t, size_t);
static int	mustache_open(struct mustache_compiler *, int, size_t,
		    size_t, size_t);
static int	mustache_close(struct mustache_compiler *, size_t, size_t,
		    size_t);
static int	mustache_partial(struct mustache_compiler *, size_t, size_t,
		    size_t, size_t, int, size_t);

static int	mustache_render_nodes(struct mustache_render *,
		    const struct mustache_tmpl *, size_t, size_t);
static int	mustache_render_section(struct mustache_render *,
		    const struct mustache_tmpl *, const struct mustache_node *,
		    size_t, const struct mustache_value *);
static int	mustache_render_body(struct mustache_render *,
		    const struct mustache_tmpl *, const struct mustache_node *,
		    size_t, const struct mustache_value *);
static int	mustache_render_partial(struct mustache_render *,
		    const struct mustache_tmpl *, const struct mustache_node *);
static int	mustache_render_error(struct mustache_render *,
		    const struct mustache_tmpl *, const struct mustache_node *,
		    const char *, ...) __attribute__((format(printf, 4, 5)));
static void	mustache_render_value(struct mustache_render *,
		    const struct mustache_value *, int);
static const struct mustache_value
		*mustache_lookup(struct mustache_render *,
		    const struct mustache_tmpl *, const struct mustache_node *);
static const struct mustache_value
		*mustache_get(const struct mustache_value *,
		    const struct mustache_part *);
static int	mustache_truthy(const struct mustache_value *);

static void
mustache_fatal(const char *msg)
{
	fprintf(stderr, "mustache: %s\n", msg);
	abort();
}

/* Makes room for element n in an array of *cap elements of size sz. */
static void *
mustache_reserve(void *p, size_t n, size_t *cap, size_t sz)
{
	size_t		 ncap;

	if (n < *cap)
		return (p);
	ncap = *cap ? *cap * 2 : 8;
	if (ncap > SIZE_MAX / sz)
		mustache_fatal("array too large");
	if ((p = realloc(p, ncap * sz)) == NULL)
		mustache_fatal("out of memory");
	*cap = ncap;
	return (p);
}

static char *
mustache_strdup(const char *s, size_t len)
{
	char		*p;

	if (len == SIZE_MAX || (p = malloc(len + 1)) == NULL)
		mustache_fatal("out of memory");
	if (len > 0)
		memcpy(p, s, len);
	p[len] = '\0';
	return (p);
}

static void
mustache_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list		 ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int
mustache_isspace(char c)
{
	return (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	    c == '\v' || c == '\f');
}

/* How much of a name an error message quotes ("%.*s"). */
static int
mustache_qlen(size_t len)
{
	return ((int)(len > MUSTACHE_QUOTE_MAX ? MUSTACHE_QUOTE_MAX : len));
}

static struct mustache_value *
mustache_value_new(int type)
{
	struct mustache_value	*v;

	if ((v = calloc(1, sizeof(*v))) == NULL)
		mustache_fatal("out of memory");
	v->type = type;
	return (v);
}

struct mustache_value *
mustache_map(void)
{
	return (mustache_value_new(MUSTACHE_VALUE_MAP));
}

struct mustache_value *
mustache_list(void)
{
	return (mustache_value_new(MUSTACHE_VALUE_LIST));
}

/* A NULL string becomes null, so a missing database field hides itself. */
struct mustache_value *
mustache_str(const char *s)
{
	if (s == NULL)
		return (mustache_null());
	return (mustache_strn(s, strlen(s)));
}

struct mustache_value *
mustache_strn(const char *s, size_t len)
{
	struct mustache_value	*v;

	v = mustache_value_new(MUSTACHE_VALUE_STR);
	v->str = mustache_strdup(s, len);
	v->len = len;
	return (v);
}

struct mustache_value *
mustache_bool(int b)
{
	struct mustache_value	*v;

	v = mustache_value_new(MUSTACHE_VALUE_BOOL);
	v->b = b != 0;
	return (v);
}

struct mustache_value *
mustache_null(void)
{
	return (mustache_value_new(MUSTACHE_VALUE_NULL));
}

struct mustache_value *
mustache_set(struct mustache_value *map, const char *key,
    struct mustache_value *v)
{
	struct mustache_entry	*e;
	size_t			 i, keylen;

	if (map == NULL || map->type != MUSTACHE_VALUE_MAP || key == NULL ||
	    v == NULL)
		mustache_fatal("mustache_set: bad arguments");

	keylen = strlen(key);
	for (i = 0; i < map->len; i++) {
		e = &map->entries[i];
		if (e->keylen == keylen && memcmp(e->key, key, keylen) == 0) {
			mustache_value_free(e->value);
			e->value = v;
			return (v);
		}
	}

	map->entries = mustache_reserve(map->entries, map->len, &map->cap,
	    sizeof(*map->entries));
	e = &map->entries[map->len++];
	e->key = mustache_strdup(key, keylen);
	e->keylen = keylen;
	e->value = v;
	return (v);
}

struct mustache_value *
mustache_push(struct mustache_value *list, struct mustache_value *v)
{
	if (list == NULL || list->type != MUSTACHE_VALUE_LIST || v == NULL)
		mustache_fatal("mustache_push: bad arguments");

	list->items = mustache_reserve(list->items, list->len, &list->cap,
	    sizeof(*list->items));
	list->items[list->len++] = v;
	return (v);
}

void
mustache_set_str(struct mustache_value *map, const char *key, const char *s)
{
	mustache_set(map, key, mustache_str(s));
}

void
mustache_set_strf(struct mustache_value *map, const char *key,
    const char *fmt, ...)
{
	struct strbuf		 b;
	va_list			 ap;

	strbuf_init(&b);
	va_start(ap, fmt);
	strbuf_appendv(&b, fmt, ap);
	va_end(ap);
	if (b.failed)
		mustache_fatal("out of memory");
	mustache_set(map, key, mustache_strn(b.data, b.len));
	strbuf_free(&b);
}

void
mustache_set_bool(struct mustache_value *map, const char *key, int b)
{
	mustache_set(map, key, mustache_bool(b));
}

void
mustache_value_free(struct mustache_value *v)
{
	size_t		 i;

	if (v == NULL)
		return;

	switch (v->type) {
	case MUSTACHE_VALUE_LIST:
		for (i = 0; i < v->len; i++)
			mustache_value_free(v->items[i]);
		break;
	case MUSTACHE_VALUE_MAP:
		for (i = 0; i < v->len; i++) {
			free(v->entries[i].key);
			mustache_value_free(v->entries[i].value);
		}
		break;
	}

	free(v->str);
	free(v->items);
	free(v->entries);
	free(v);
}

struct mustache_set *
mustache_set_new(void)
{
	struct mustache_set	*set;

	if ((set = calloc(1, sizeof(*set))) == NULL)
		mustache_fatal("out of memory");
	set->steps_max = MUSTACHE_STEPS_MAX;
	set->output_max = MUSTACHE_OUTPUT_MAX;
	return (set);
}

void
mustache_set_free(struct mustache_set *set)
{
	size_t		 i;

	if (set == NULL)
		return;
	for (i = 0; i < set->len; i++)
		mustache_tmpl_free(set->tmpls[i]);
	free(set->tmpls);
	free(set);
}

/* Steps count the nodes rendered and the contexts searched for names. */
void
mustache_set_limits(struct mustache_set *set, size_t steps, size_t output)
{
	set->steps_max = steps;
	set->output_max = output;
}

static void
mustache_tmpl_free(struct mustache_tmpl *t)
{
	free(t->name);
	free(t->src);
	free(t->nodes);
	free(t->parts);
	free(t);
}

static struct mustache_tmpl *
mustache_find(const struct mustache_set *set, const char *name, size_t len)
{
	size_t		 i;

	for (i = 0; i < set->len; i++) {
		if (set->tmpls[i]->namelen == len &&
		    memcmp(set->tmpls[i]->name, name, len) == 0)
			return (set->tmpls[i]);
	}
	return (NULL);
}

/*
 * Partials are resolved when templates are added, in whatever order, so
 * rendering never looks a name up.
 */
static void
mustache_link(struct mustache_set *set, struct mustache_tmpl *t)
{
	struct mustache_node	*n;
	size_t			 i, k;

	for (i = 0; i < t->nnodes; i++) {
		n = &t->nodes[i];
		if (n->type == MUSTACHE_NODE_PARTIAL)
			n->partial = mustache_find(set, n->str, n->len);
	}

	for (k = 0; k < set->len; k++) {
		for (i = 0; i < set->tmpls[k]->nnodes; i++) {
			n = &set->tmpls[k]->nodes[i];
			if (n->type == MUSTACHE_NODE_PARTIAL &&
			    n->len == t->namelen &&
			    memcmp(n->str, t->name, n->len) == 0)
				n->partial = t;
		}
	}
}

int
mustache_set_add(struct mustache_set *set, const char *name, const char *src,
    size_t len, char *err, size_t errlen)
{
	struct mustache_compiler	 c;
	struct mustache_tmpl		*t;
	size_t				 namelen;

	namelen = strlen(name);
	if (mustache_find(set, name, namelen) != NULL) {
		mustache_error(err, errlen, "%s: template already in the set",
		    name);
		return (0);
	}
	if (len > MUSTACHE_SOURCE_MAX) {
		mustache_error(err, errlen, "%s: template larger than %d bytes",
		    name, MUSTACHE_SOURCE_MAX);
		return (0);
	}

	if ((t = calloc(1, sizeof(*t))) == NULL)
		mustache_fatal("out of memory");
	t->name = mustache_strdup(name, namelen);
	t->namelen = namelen;
	t->src = mustache_strdup(src, len);

	memset(&c, 0, sizeof(c));
	c.t = t;
	c.src = t->src;
	c.len = len;
	c.otag = "{{";
	c.otaglen = 2;
	c.ctag = "}}";
	c.ctaglen = 2;
	c.line = 1;
	c.err = err;
	c.errlen = errlen;

	if (!mustache_compile(&c)) {
		mustache_tmpl_free(t);
		return (0);
	}

	set->tmpls = mustache_reserve(set->tmpls, set->len, &set->cap,
	    sizeof(*set->tmpls));
	set->tmpls[set->len++] = t;
	mustache_link(set, t);
	return (1);
}

static int
mustache_compile(struct mustache_compiler *c)
{
	const char		*p;
	struct mustache_node	*n;

	while (c->pos < c->len) {
		p = memmem(c->src + c->pos, c->len - c->pos, c->otag,
		    c->otaglen);
		if (p == NULL)
			break;
		if (!mustache_tag(c, (size_t)(p - c->src)))
			return (0);
	}
	mustache_text(c, c->pos, c->len);

	if (c->nopen > 0) {
		n = &c->t->nodes[c->open[c->nopen - 1]];
		return (mustache_compile_error(c, n->line,
		    "unclosed section \"%.*s\"",
		    mustache_qlen(n->len), n->str));
	}
	return (1);
}

static int
mustache_compile_error(struct mustache_compiler *c, size_t line,
    const char *fmt, ...)
{
	va_list		 ap;
	int		 n;

	if (c->err == NULL || c->errlen == 0)
		return (0);
	n = snprintf(c->err, c->errlen, "%s:%zu: ", c->t->name, line);
	if (n < 0 || (size_t)n >= c->errlen)
		return (0);
	va_start(ap, fmt);
	(void)vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return (0);
}

/* Positions only move forward, so lines are counted once. */
static size_t
mustache_lineno(struct mustache_compiler *c, size_t pos)
{
	const char	*nl;

	while ((nl = memchr(c->src + c->linepos, '\n',
	    pos - c->linepos)) != NULL) {
		c->line++;
		c->linepos = (size_t)(nl - c->src) + 1;
	}
	c->linepos = pos;
	return (c->line);
}

static size_t
mustache_node(struct mustache_compiler *c, int type, size_t line)
{
	struct mustache_tmpl	*t;

	t = c->t;
	t->nodes = mustache_reserve(t->nodes, t->nnodes, &t->nodecap,
	    sizeof(*t->nodes));
	memset(&t->nodes[t->nnodes], 0, sizeof(t->nodes[t->nnodes]));
	t->nodes[t->nnodes].type = type;
	t->nodes[t->nnodes].line = line;
	return (t->nnodes++);
}

/* One TEXT node per line, each line start preceded by an INDENT node. */
static void
mustache_text(struct mustache_compiler *c, size_t a, size_t b)
{
	const char	*nl;
	size_t		 eol, i;

	while (a < b) {
		if (a == 0 || c->src[a - 1] == '\n')
			(void)mustache_node(c, MUSTACHE_NODE_INDENT, 0);
		nl = memchr(c->src + a, '\n', b - a);
		eol = nl == NULL ? b : (size_t)(nl - c->src) + 1;
		i = mustache_node(c, MUSTACHE_NODE_TEXT, 0);
		c->t->nodes[i].str = c->src + a;
		c->t->nodes[i].len = eol - a;
		a = eol;
	}
}

/*
 * Compiles the tag at start. A standalone tag (alone on its line but for
 * spaces and tabs) takes its whole line with it; for a partial those
 * leading blanks become the partial's indentation.
 */
static int
mustache_tag(struct mustache_compiler *c, size_t start)
{
	size_t		 p, q, line, ws, after;
	int		 kind, standalone;
	char		 close;

	line = mustache_lineno(c, start);
	p = start + c->otaglen;
	kind = 0;
	if (p < c->len && memchr("#^/!>=&{", c->src[p], 8) != NULL)
		kind = c->src[p++];
	close = kind == '{' ? '}' : kind == '=' ? '=' : '\0';
	if (!mustache_find_close(c, p, close, &q))
		return (mustache_compile_error(c, line, "unclosed tag"));

	standalone = 0;
	ws = start;
	after = q + c->ctaglen;
	if (kind != 0 && kind != '&' && kind != '{') {
		while (ws > c->pos &&
		    (c->src[ws - 1] == ' ' || c->src[ws - 1] == '\t'))
			ws--;
		while (after < c->len &&
		    (c->src[after] == ' ' || c->src[after] == '\t'))
			after++;
		if (ws == 0 || c->src[ws - 1] == '\n') {
			if (after == c->len) {
				standalone = 1;
			} else if (c->src[after] == '\n') {
				standalone = 1;
				after++;
			} else if (c->src[after] == '\r' &&
			    after + 1 < c->len && c->src[after + 1] == '\n') {
				standalone = 1;
				after += 2;
			}
		}
	}

	if (standalone) {
		mustache_text(c, c->pos, ws);
		c->pos = after;
	} else {
		ws = start;
		mustache_text(c, c->pos, start);
		/* A tag that starts a line gets indented like text would. */
		if (start == 0 || c->src[start - 1] == '\n')
			(void)mustache_node(c, MUSTACHE_NODE_INDENT, line);
		c->pos = q + c->ctaglen;
	}

	switch (kind) {
	case '!':
		return (1);
	case '=':
		return (mustache_delimiters(c, p, q - 1, line));
	case '#':
	case '^':
		return (mustache_open(c, kind, p, q, line));
	case '/':
		return (mustache_close(c, p, q, line));
	case '>':
		return (mustache_partial(c, p, q, ws, start, standalone, line));
	case '{':
		return (mustache_name(c, mustache_node(c, MUSTACHE_NODE_RAW,
		    line), p, q - 1, line));
	case '&':
		return (mustache_name(c, mustache_node(c, MUSTACHE_NODE_RAW,
		    line), p, q, line));
	default:
		return (mustache_name(c, mustache_node(c, MUSTACHE_NODE_VAR,
		    line), p, q, line));
	}
}

/*
 * Finds the closing delimiter after p; for "{{{" and "{{=" it must follow
 * a '}' or '=' inside the tag.
 */
static int
mustache_find_close(struct mustache_compiler *c, size_t p, char close,
    size_t *q)
{
	const char	*f;
	size_t		 from;

	for (from = p; from < c->len; from = *q + 1) {
		f = memmem(c->src + from, c->len - from, c->ctag, c->ctaglen);
		if (f == NULL)
			return (0);
		*q = (size_t)(f - c->src);
		if (close == '\0' || (*q > p && c->src[*q - 1] == close))
			return (1);
	}
	return (0);
}

static void
mustache_trim(struct mustache_compiler *c, size_t *a, size_t *b)
{
	while (*a < *b && mustache_isspace(c->src[*a]))
		(*a)++;
	while (*b > *a && mustache_isspace(c->src[*b - 1]))
		(*b)--;
}

/* Is [a, b) one word: not empty, no whitespace? */
static int
mustache_word(struct mustache_compiler *c, size_t a, size_t b)
{
	size_t		 i;

	if (a == b)
		return (0);
	for (i = a; i < b; i++) {
		if (mustache_isspace(c->src[i]))
			return (0);
	}
	return (1);
}

/* Sets node i's name from the tag content [a, b), split on dots. */
static int
mustache_name(struct mustache_compiler *c, size_t i, size_t a, size_t b,
    size_t line)
{
	struct mustache_tmpl	*t;
	struct mustache_part	*part;
	size_t			 dot;

	t = c->t;
	mustache_trim(c, &a, &b);
	if (!mustache_word(c, a, b)) {
		return (mustache_compile_error(c, line,
		    "tag needs one name, got \"%.*s\"", mustache_qlen(b - a),
		    c->src + a));
	}
	t->nodes[i].str = c->src + a;
	t->nodes[i].len = b - a;
	t->nodes[i].part = t->nparts;
	if (b - a == 1 && c->src[a] == '.')
		return (1);

	for (;;) {
		dot = a;
		while (dot < b && c->src[dot] != '.')
			dot++;
		if (dot == a || (dot < b && dot + 1 == b)) {
			return (mustache_compile_error(c, line,
			    "empty part in name \"%.*s\"",
			    mustache_qlen(t->nodes[i].len), t->nodes[i].str));
		}
		t->parts = mustache_reserve(t->parts, t->nparts, &t->partcap,
		    sizeof(*t->parts));
		part = &t->parts[t->nparts++];
		part->s = c->src + a;
		part->len = dot - a;
		t->nodes[i].nparts++;
		if (dot == b)
			return (1);
		a = dot + 1;
	}
}

/* {{=<% %>=}}: the new delimiters point into the source, no copies. */
static int
mustache_delimiters(struct mustache_compiler *c, size_t a, size_t b,
    size_t line)
{
	size_t		 sp, o;

	mustache_trim(c, &a, &b);
	sp = a;
	while (sp < b && !mustache_isspace(c->src[sp]))
		sp++;
	o = sp;
	while (o < b && mustache_isspace(c->src[o]))
		o++;
	if (!mustache_word(c, a, sp) || !mustache_word(c, o, b))
		return (mustache_compile_error(c, line, "bad delimiter tag"));

	c->otag = c->src + a;
	c->otaglen = sp - a;
	c->ctag = c->src + o;
	c->ctaglen = b - o;
	return (1);
}

static int
mustache_open(struct mustache_compiler *c, int kind, size_t a, size_t b,
    size_t line)
{
	size_t		 i;

	if (c->nopen == MUSTACHE_NEST_MAX) {
		return (mustache_compile_error(c, line,
		    "sections nested deeper than %d", MUSTACHE_NEST_MAX));
	}
	i = mustache_node(c, kind == '#' ? MUSTACHE_NODE_SECTION :
	    MUSTACHE_NODE_INVERTED, line);
	if (!mustache_name(c, i, a, b, line))
		return (0);
	c->open[c->nopen++] = i;
	return (1);
}

static int
mustache_close(struct mustache_compiler *c, size_t a, size_t b, size_t line)
{
	struct mustache_node	*n;
	int			 qlen;

	mustache_trim(c, &a, &b);
	qlen = mustache_qlen(b - a);
	if (c->nopen == 0) {
		return (mustache_compile_error(c, line,
		    "closing tag \"%.*s\" without an open section", qlen,
		    c->src + a));
	}

	n = &c->t->nodes[c->open[c->nopen - 1]];
	if (n->len != b - a || memcmp(n->str, c->src + a, n->len) != 0) {
		return (mustache_compile_error(c, line,
		    "closing tag \"%.*s\" does not match section \"%.*s\" "
		    "opened on line %zu", qlen, c->src + a,
		    mustache_qlen(n->len), n->str, n->line));
	}

	n->end = c->t->nnodes;
	c->nopen--;
	return (1);
}

static int
mustache_partial(struct mustache_compiler *c, size_t a, size_t b, size_t ws,
    size_t start, int standalone, size_t line)
{
	struct mustache_node	*n;
	size_t			 i;

	mustache_trim(c, &a, &b);
	if (!mustache_word(c, a, b)) {
		return (mustache_compile_error(c, line,
		    "partial needs one name, got \"%.*s\"",
		    mustache_qlen(b - a), c->src + a));
	}

	i = mustache_node(c, MUSTACHE_NODE_PARTIAL, line);
	n = &c->t->nodes[i];
	n->str = c->src + a;
	n->len = b - a;
	n->standalone = standalone;
	n->indent = c->src + ws;
	n->indentlen = start - ws;
	return (1);
}

int
mustache_render(const struct mustache_set *set, const char *name,
    const struct mustache_value *ctx, struct strbuf *out, char *err,
    size_t errlen)
{
	struct mustache_render		 r;
	const struct mustache_tmpl	*t;

	if ((t = mustache_find(set, name, strlen(name))) == NULL) {
		mustache_error(err, errlen, "%s: no such template", name);
		return (0);
	}

	r.name = name;
	r.set = set;
	r.out = out;
	r.start = out->len;
	r.nstack = 0;
	r.depth = 0;
	r.nindent = 0;
	r.indentbase = 0;
	r.steps = 0;
	r.err = err;
	r.errlen = errlen;
	if (ctx != NULL)
		r.stack[r.nstack++] = ctx;

	if (!mustache_render_nodes(&r, t, 0, t->nnodes) || out->failed) {
		if (out->failed)
			mustache_error(err, errlen, "%s: out of memory", name);
		/* Hand back the buffer as it was, not half a page. */
		strbuf_truncate(out, r.start);
		return (0);
	}
	return (1);
}

static int
mustache_render_nodes(struct mustache_render *r, const struct mustache_tmpl *t,
    size_t from, size_t to)
{
	const struct mustache_node	*n;
	size_t				 i, k;

	for (i = from; i < to; i++) {
		n = &t->nodes[i];
		r->steps++;

		switch (n->type) {
		case MUSTACHE_NODE_TEXT:
			strbuf_append(r->out, n->str, n->len);
			break;
		case MUSTACHE_NODE_INDENT:
			for (k = r->indentbase; k < r->nindent; k++) {
				strbuf_append(r->out, r->indent[k].s,
				    r->indent[k].len);
			}
			break;
		case MUSTACHE_NODE_VAR:
		case MUSTACHE_NODE_RAW:
			mustache_render_value(r, mustache_lookup(r, t, n),
			    n->type == MUSTACHE_NODE_VAR);
			break;
		case MUSTACHE_NODE_SECTION:
			if (!mustache_render_section(r, t, n, i + 1,
			    mustache_lookup(r, t, n)))
				return (0);
			i = n->end - 1;
			break;
		case MUSTACHE_NODE_INVERTED:
			if (!mustache_truthy(mustache_lookup(r, t, n)) &&
			    !mustache_render_body(r, t, n, i + 1, NULL))
				return (0);
			i = n->end - 1;
			break;
		case MUSTACHE_NODE_PARTIAL:
			if (!mustache_render_partial(r, t, n))
				return (0);
			break;
		}

		if (r->out->failed)
			return (0);
		if (r->steps > r->set->steps_max) {
			mustache_error(r->err, r->errlen,
			    "%s: rendering takes more than %zu steps", r->name,
			    r->set->steps_max);
			return (0);
		}
		if (r->out->len - r->start > r->set->output_max) {
			mustache_error(r->err, r->errlen,
			    "%s: output larger than %zu bytes", r->name,
			    r->set->output_max);
			return (0);
		}
	}
	return (1);
}

/* A list renders the body once per item, any other truthy value once. */
static int
mustache_render_section(struct mustache_render *r,
    const struct mustache_tmpl *t, const struct mustache_node *n,
    size_t from, const struct mustache_value *v)
{
	size_t		 i;

	if (!mustache_truthy(v))
		return (1);
	if (v->type != MUSTACHE_VALUE_LIST)
		return (mustache_render_body(r, t, n, from, v));
	for (i = 0; i < v->len; i++) {
		if (!mustache_render_body(r, t, n, from, v->items[i]))
			return (0);
	}
	return (1);
}

/* Renders the body of section n, with v on top of the context if set. */
static int
mustache_render_body(struct mustache_render *r, const struct mustache_tmpl *t,
    const struct mustache_node *n, size_t from,
    const struct mustache_value *v)
{
	int		 ok;

	if (r->depth == MUSTACHE_DEPTH_MAX) {
		return (mustache_render_error(r, t, n,
		    "sections and partials nested deeper than %d",
		    MUSTACHE_DEPTH_MAX));
	}

	r->depth++;
	if (v != NULL)
		r->stack[r->nstack++] = v;
	ok = mustache_render_nodes(r, t, from, n->end);
	if (v != NULL)
		r->nstack--;
	r->depth--;
	return (ok);
}

/*
 * A standalone partial indents its lines by its own leading blanks on top
 * of the current indentation; an inline one is not indented at all.
 */
static int
mustache_render_partial(struct mustache_render *r,
    const struct mustache_tmpl *t, const struct mustache_node *n)
{
	size_t		 nindent, base;
	int		 ok;

	if (n->partial == NULL)
		return (1);
	if (r->depth == MUSTACHE_DEPTH_MAX) {
		return (mustache_render_error(r, t, n,
		    "sections and partials nested deeper than %d",
		    MUSTACHE_DEPTH_MAX));
	}

	nindent = r->nindent;
	base = r->indentbase;
	if (n->standalone) {
		r->indent[r->nindent].s = n->indent;
		r->indent[r->nindent].len = n->indentlen;
		r->nindent++;
	} else {
		r->indentbase = r->nindent;
	}

	r->depth++;
	ok = mustache_render_nodes(r, n->partial, 0, n->partial->nnodes);
	r->depth--;
	r->nindent = nindent;
	r->indentbase = base;
	return (ok);
}

static int
mustache_render_error(struct mustache_render *r, const struct mustache_tmpl *t,
    const struct mustache_node *n, const char *fmt, ...)
{
	va_list		 ap;
	int		 len;

	if (r->err == NULL || r->errlen == 0)
		return (0);
	len = snprintf(r->err, r->errlen, "%s:%zu: ", t->name, n->line);
	if (len < 0 || (size_t)len >= r->errlen)
		return (0);
	va_start(ap, fmt);
	(void)vsnprintf(r->err + len, r->errlen - (size_t)len, fmt, ap);
	va_end(ap);
	return (0);
}

static void
mustache_render_value(struct mustache_render *r,
    const struct mustache_value *v, int escape)
{
	const char	*s;
	size_t		 len;

	if (v == NULL)
		return;

	switch (v->type) {
	case MUSTACHE_VALUE_STR:
		s = v->str;
		len = v->len;
		break;
	case MUSTACHE_VALUE_BOOL:
		s = v->b ? "true" : "false";
		len = strlen(s);
		break;
	default:
		return;
	}

	if (escape)
		strbuf_append_html(r->out, s, len);
	else
		strbuf_append(r->out, s, len);
}

/*
 * The first part of a name is looked up through the context stack, top
 * down; the other parts only within what the previous part found. Each
 * context searched counts as a step: a deep stack makes lookups dear.
 */
static const struct mustache_value *
mustache_lookup(struct mustache_render *r, const struct mustache_tmpl *t,
    const struct mustache_node *n)
{
	const struct mustache_part	*p;
	const struct mustache_value	*v;
	size_t				 i;

	if (n->nparts == 0)
		return (r->nstack > 0 ? r->stack[r->nstack - 1] : NULL);

	p = &t->parts[n->part];
	v = NULL;
	for (i = r->nstack; i > 0 && v == NULL; i--) {
		v = mustache_get(r->stack[i - 1], &p[0]);
		r->steps++;
	}
	for (i = 1; i < n->nparts && v != NULL; i++)
		v = mustache_get(v, &p[i]);
	return (v);
}

static const struct mustache_value *
mustache_get(const struct mustache_value *map, const struct mustache_part *p)
{
	size_t		 i;

	if (map->type != MUSTACHE_VALUE_MAP)
		return (NULL);
	for (i = 0; i < map->len; i++) {
		if (map->entries[i].keylen == p->len &&
		    memcmp(map->entries[i].key, p->s, p->len) == 0)
			return (map->entries[i].value);
	}
	return (NULL);
}

static int
mustache_truthy(const struct mustache_value *v)
{
	if (v == NULL)
		return (0);

	switch (v->type) {
	case MUSTACHE_VALUE_BOOL:
		return (v->b);
	case MUSTACHE_VALUE_STR:
	case MUSTACHE_VALUE_LIST:
		return (v->len > 0);
	case MUSTACHE_VALUE_MAP:
		return (1);
	default:
		return (0);
	}
}
