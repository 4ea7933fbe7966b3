/*
 * What an uploaded image is, from its first bytes: the name of a file and
 * the type a browser claims say nothing.
 */
#ifndef PAYPORTAL_IMAGE_H
#define PAYPORTAL_IMAGE_H

#include <stddef.h>

/*
 * "image/png" for a PNG signature followed by its IHDR chunk, "image/jpeg"
 * for a JPEG start-of-image marker followed by another marker, or NULL.
 */
const char	*image_type(const unsigned char *, size_t);

#endif
