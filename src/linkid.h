#ifndef PAYPORTAL_LINKID_H
#define PAYPORTAL_LINKID_H

#include "linktoken.h"

#define LINKID_UUID_LEN	36

int	linkid_random(unsigned char [LINK_ID_LEN]);
void	linkid_format(const unsigned char [LINK_ID_LEN],
	    char [LINKID_UUID_LEN + 1]);
/* A lower-case uuid as linkid_format() writes it; 0 for anything else. */
int	linkid_parse(const char *, unsigned char [LINK_ID_LEN]);

#endif
