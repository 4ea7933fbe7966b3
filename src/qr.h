/*
 * QR codes for pay links, drawn as inline SVG so the page needs no image
 * request and the code scales sharply at any size.
 */
#ifndef PAYPORTAL_QR_H
#define PAYPORTAL_QR_H

#include "strbuf.h"

#define QR_QUIET	4	/* modules of light margin on each side */

/*
 * Appends an <svg> element encoding text in 8-bit mode at error
 * correction level M: a square of the symbol's width plus the quiet zone
 * on each side, a white background and one black path. Returns 0, with
 * out as it was, for NULL or empty text or text longer than a QR code
 * holds (2331 bytes at level M), and if out failed to grow (its failed
 * flag then stays set).
 */
int	qr_svg(const char *, struct strbuf *);

#endif
