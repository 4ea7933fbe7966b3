#include <criterion/criterion.h>

#include <string.h>

#include "image.h"

Test(image, types_by_their_bytes)
{
	static const unsigned char	png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR"
					    "\0\0\0\x01\0\0\0\x01\x08\x06";
	static const unsigned char	jpeg[] = "\xff\xd8\xff\xe0\0\x10JFIF";
	static const unsigned char	svg[] = "<svg xmlns=\"http://www.w3.org/"
					    "2000/svg\"/>";
	static const unsigned char	gif[] = "GIF89a\x01\0\x01\0";

	cr_assert_str_eq(image_type(png, sizeof(png) - 1), "image/png");
	cr_assert_null(image_type(png, 15), "cut short");
	cr_assert_str_eq(image_type(jpeg, sizeof(jpeg) - 1), "image/jpeg");
	cr_assert_null(image_type(jpeg, 3));
	cr_assert_null(image_type((const unsigned char *)"\xff\xd8\xff\xff",
	    4));
	cr_assert_null(image_type(svg, sizeof(svg) - 1));
	cr_assert_null(image_type(gif, sizeof(gif) - 1));
	cr_assert_null(image_type(png, 0));
}
