#ifndef PAYPORTAL_BACKGROUND_H
#define PAYPORTAL_BACKGROUND_H

void	background_start(void);

#endif
