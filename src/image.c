/*
 * Image types by their magic bytes (PNG: ISO/IEC 15948 section 5;
 * JPEG: ITU T.81 annex B). SVG is not taken: it can carry script.
 */
#include <string.h>

#include "image.h"

static const unsigned char	image_png[] = {
	0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',	/* signature */
	0x00, 0x00, 0x00, 0x0d, 'I', 'H', 'D', 'R'	/* first chunk */
};

const char *
image_type(const unsigned char *p, size_t len)
{
	if (len >= sizeof(image_png) && !memcmp(p, image_png, sizeof(image_png)))
		return ("image/png");
	if (len >= 4 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff &&
	    p[3] >= 0xc0 && p[3] != 0xff)
		return ("image/jpeg");
	return (NULL);
}
