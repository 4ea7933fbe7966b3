/*
 * Mustache templates (the spec's comments, interpolation, sections,
 * inverted sections, partials and set delimiters; no lambdas).
 *
 * Templates are compiled once into a set; partials resolve by name within
 * the set. Rendering walks the compiled nodes against a data tree built
 * with the mustache_value functions and appends to a strbuf. {{x}} is HTML
 * escaped; {{{x}}} and {{&x}} are raw.
 *
 * Falsy values: a missing name, null, false, an empty list and an empty
 * string (the spec leaves "" open; an empty field should hide its section).
 *
 * Running out of memory while building a data tree or compiling aborts,
 * as kore_malloc() does; rendering reports it as an error instead.
 */
#ifndef PAYPORTAL_MUSTACHE_H
#define PAYPORTAL_MUSTACHE_H

#include <stddef.h>

#include "strbuf.h"

/*
 * Limits that keep hostile or broken templates from exhausting a worker.
 * The last two are defaults a set can change with mustache_set_limits().
 */
#define MUSTACHE_SOURCE_MAX	(256 * 1024)	/* bytes of one template */
#define MUSTACHE_NEST_MAX	64	/* sections nested in one template */
#define MUSTACHE_DEPTH_MAX	128	/* sections + partials, rendering */
#define MUSTACHE_STEPS_MAX	(1024 * 1024)	/* steps per render */
#define MUSTACHE_OUTPUT_MAX	(4 * 1024 * 1024)	/* bytes per render */

struct mustache_value;
struct mustache_set;

/*
 * Data trees. mustache_set() and mustache_push() take ownership of the value
 * and return it, so nested containers can be filled in place; setting a
 * key again replaces (and frees) the old value. Free only the root; a value
 * belongs in one place only. mustache_str(NULL) makes a null.
 */
struct mustache_value	*mustache_map(void);
struct mustache_value	*mustache_list(void);
struct mustache_value	*mustache_str(const char *);
struct mustache_value	*mustache_strn(const char *, size_t);
struct mustache_value	*mustache_bool(int);
struct mustache_value	*mustache_null(void);
struct mustache_value	*mustache_set(struct mustache_value *, const char *,
			    struct mustache_value *);
struct mustache_value	*mustache_push(struct mustache_value *,
			    struct mustache_value *);
void	mustache_set_str(struct mustache_value *, const char *, const char *);
void	mustache_set_strf(struct mustache_value *, const char *,
	    const char *, ...) __attribute__((format(printf, 3, 4)));
void	mustache_set_bool(struct mustache_value *, const char *, int);
void	mustache_value_free(struct mustache_value *);

/*
 * Template sets. mustache_set_add() compiles src under a name, which is
 * also what partial tags refer to; templates may be added in any order,
 * and a partial missing from the set renders as nothing. mustache_render()
 * appends to out; ctx may be NULL. Both return 1 on success, or 0 with a
 * message in err ("page.html:12: unclosed section \"invoices\""); a
 * failed render leaves out as it was. mustache_set_limits() sets the steps
 * (nodes rendered plus contexts searched for names) and output bytes one
 * render may take.
 */
struct mustache_set	*mustache_set_new(void);
void	mustache_set_free(struct mustache_set *);
void	mustache_set_limits(struct mustache_set *, size_t, size_t);
int	mustache_set_add(struct mustache_set *, const char *, const char *,
	    size_t, char *, size_t);
int	mustache_render(const struct mustache_set *, const char *,
	    const struct mustache_value *, struct strbuf *, char *, size_t);

#endif
