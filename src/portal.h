#ifndef PAYPORTAL_PORTAL_H
#define PAYPORTAL_PORTAL_H

#include "conf.h"

/* Read in the parent before the workers fork; read-only afterwards. */
extern struct conf	portal_conf;

#endif
