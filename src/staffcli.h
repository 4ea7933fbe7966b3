#ifndef PAYPORTAL_STAFFCLI_H
#define PAYPORTAL_STAFFCLI_H

#include "conf.h"

int	staffcli_main(const struct conf *, int, int, char **);

#endif
