/*
 * SVG rendering of libqrencode's module matrix. Each row's runs of dark
 * modules become "M x y h n v1 h -n z" rectangles in a single path: far
 * smaller than one <rect> per module, and crispEdges keeps adjacent runs
 * from showing hairline seams.
 */
#include <stddef.h>

#include <qrencode.h>

#include "qr.h"
#include "strbuf.h"

int
qr_svg(const char *text, struct strbuf *out)
{
	QRcode			*qr;
	const unsigned char	*row;
	size_t			 start, w, n, x, y, run;

	if (text == NULL || text[0] == '\0')
		return (0);
	if ((qr = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M)) == NULL)
		return (0);

	start = out->len;
	w = (size_t)qr->width;
	n = w + 2 * QR_QUIET;
	strbuf_appendf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "viewBox=\"0 0 %zu %zu\" role=\"img\" aria-label=\"QR code\" "
	    "shape-rendering=\"crispEdges\">"
	    "<rect width=\"%zu\" height=\"%zu\" fill=\"#fff\"/>"
	    "<path fill=\"#000\" d=\"", n, n, n, n);
	for (y = 0; y < w; y++) {
		row = qr->data + y * w;
		for (x = 0; x < w; x += run) {
			/* Bit 0 is the module's colour; the others are metadata. */
			for (run = 0; x + run < w && (row[x + run] & 1); run++)
				;
			if (run == 0) {
				run = 1;
				continue;
			}
			strbuf_appendf(out, "M%zu %zuh%zuv1h-%zuz",
			    x + QR_QUIET, y + QR_QUIET, run, run);
		}
	}
	strbuf_appends(out, "\"/></svg>");
	QRcode_free(qr);

	if (out->failed) {
		strbuf_truncate(out, start);
		return (0);
	}
	return (1);
}
