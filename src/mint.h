#ifndef PAYPORTAL_MINT_H
#define PAYPORTAL_MINT_H

#include "conf.h"

int	mint_main(const struct conf *, int, char **);

#endif
