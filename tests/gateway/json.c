/*
 * JSON text for the answers and events, written into the portal's own
 * growable buffer (src/strbuf.c). Numbers and fixed keys go in with
 * strbuf_appendf(); only strings that came from outside need escaping.
 */
#include <string.h>

#include "standin.h"

/*
 * A JSON string literal, quotes included; NULL is JSON null. UTF-8 goes
 * through as it is (form fields are checked by src/form.c).
 */
void
json_str(struct strbuf *b, const char *s)
{
	static const char	 special[] = "\"\\\n\r\t";
	static const char	 letter[] = "\"\\nrt";
	const char		*p;
	size_t			 i, start;
	unsigned char		 c;

	if (s == NULL) {
		strbuf_appends(b, "null");
		return;
	}
	strbuf_appendc(b, '"');
	start = 0;
	for (i = 0; s[i] != '\0'; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		strbuf_append(b, s + start, i - start);
		if ((p = strchr(special, c)) != NULL)
			strbuf_appendf(b, "\\%c", letter[p - special]);
		else
			strbuf_appendf(b, "\\u%04x", c);
		start = i + 1;
	}
	strbuf_append(b, s + start, i - start);
	strbuf_appendc(b, '"');
}
