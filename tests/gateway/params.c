/*
 * Form bodies and query strings ("a=1&b[c]=2"), parsed by the portal's own
 * parser (src/form.c): names and values come out decoded, NUL-terminated
 * and valid UTF-8, within its limits. What the stand-in adds is a flag per
 * field, set when an endpoint asks for it, which is how unknown parameters
 * are refused the way Stripe refuses them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "standin.h"

void
params_init(struct params *p)
{
	form_init(&p->form);
	p->used = NULL;
}

/* Returns 1, or 0 with p empty and the reason in err. */
int
params_parse(struct params *p, const char *s, size_t len, char *err,
    size_t errlen)
{
	if (!form_parse(&p->form, s, len, err, errlen))
		return (0);
	if (p->form.nfields == 0)
		return (1);
	if ((p->used = calloc(p->form.nfields, sizeof(*p->used))) == NULL) {
		params_free(p);
		(void)snprintf(err, errlen, "out of memory");
		return (0);
	}
	return (1);
}

/* The first value of a name, or NULL; all fields of that name are used. */
const char *
params_get(struct params *p, const char *name)
{
	size_t		 i;

	for (i = 0; i < p->form.nfields; i++) {
		if (strcmp(p->form.fields[i].name, name) == 0)
			p->used[i] = 1;
	}
	return (form_get(&p->form, name));
}

/*
 * Walks the fields whose name starts with prefix: returns the next name
 * from *iter on, with its value, and marks it used; NULL at the end.
 */
const char *
params_prefixed(struct params *p, const char *prefix, size_t *iter,
    const char **value)
{
	struct form_field	*f;
	size_t			 plen;

	plen = strlen(prefix);
	for (; *iter < p->form.nfields; (*iter)++) {
		f = &p->form.fields[*iter];
		if (strncmp(f->name, prefix, plen) != 0)
			continue;
		p->used[(*iter)++] = 1;
		*value = f->value;
		return (f->name);
	}
	return (NULL);
}

/* The name of the first field no endpoint asked for, or NULL. */
const char *
params_unused(const struct params *p)
{
	size_t		 i;

	for (i = 0; i < p->form.nfields; i++) {
		if (!p->used[i])
			return (p->form.fields[i].name);
	}
	return (NULL);
}

void
params_free(struct params *p)
{
	form_free(&p->form);
	free(p->used);
	p->used = NULL;
}
