/*
 * The runtime configuration parser on arbitrary file contents: it must
 * accept or refuse with a message, never crash, leak or overrun.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "conf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf	c;
	char		err[512];
	size_t		i;

	conf_init(&c);
	if (conf_parse(&c, "fuzz.conf", (const char *)data, size, err,
	    sizeof(err))) {
		(void)conf_check(&c, err, sizeof(err));
		for (i = 0; i < c.nkeys; i++) {
			if (strlen(c.keys[i].id) == 0 ||
			    c.keys[i].secret_len < 32)
				__builtin_trap();
		}
	} else if (err[0] == '\0')
		__builtin_trap();	/* a refusal always says why */
	conf_free(&c);
	return (0);
}
